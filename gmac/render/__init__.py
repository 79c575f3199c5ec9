"""The render layer: app's results as tables for people (rich, the only importer of rich),
JSON for machines and Markdown for pull requests. No business logic lives here."""
