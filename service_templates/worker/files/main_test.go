package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRunOnceCountsAJob(t *testing.T) {
	w := newWorker(slog.New(slog.NewTextHandler(io.Discard, nil)), time.Second, prometheus.NewRegistry())
	w.runOnce(context.Background())
	if got := testutil.ToFloat64(w.jobs.WithLabelValues("ok")); got != 1 {
		t.Fatalf("worker_jobs_total{result=ok} = %v, want 1", got)
	}
}
