-- Seed data: the built-in service templates and the integration types gmac knows.

INSERT INTO templates (name, description, builtin, updated_at) VALUES
    ('go-api', 'A Go HTTP API with health and Prometheus metrics endpoints.', 1, '1970-01-01T00:00:00Z'),
    ('worker', 'A background worker with no HTTP traffic, exposing Prometheus metrics only.', 1, '1970-01-01T00:00:00Z'),
    ('nextjs-web', 'A Next.js web application served by its standalone Node.js server.', 1, '1970-01-01T00:00:00Z'),
    ('database', 'A Turso (libSQL) database with a folder of ordered migrations.', 1, '1970-01-01T00:00:00Z');

INSERT INTO integration_types (type, description) VALUES
    ('stripe', 'Stripe products, prices and webhook endpoints'),
    ('turso', 'Turso databases and database tokens'),
    ('webhook', 'An outgoing webhook from Gitea repositories'),
    ('gitea', 'The Git server: repositories, branch protection, webhooks');
