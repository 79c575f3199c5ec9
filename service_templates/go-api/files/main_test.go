package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealth(t *testing.T) {
	recorder := httptest.NewRecorder()
	health(recorder, httptest.NewRequest(http.MethodGet, healthPath, nil))
	if recorder.Code != http.StatusOK {
		t.Fatalf("health: status %d, want 200", recorder.Code)
	}
}
