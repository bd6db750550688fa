// The OpenAPI 3.0 description of /api/v1, served at /api/v1/openapi.json.
// tests/unit/server/openapi_test.cpp checks that it names exactly the routes
// api_routes() implements, so the two cannot drift apart.

#include "server/api.hpp"
#include "util/json.hpp"

namespace hb::server {

namespace {

const char* const k_openapi = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "homeboy daemon API",
    "version": "1",
    "description": "Runs recorded by homeboy: list, detail, logs, artifacts, submit, cancel, promote, retain, replay, compare, schedules, and live events. Errors are the CLI's envelope {success: false, error: {code, message, details}}. When the daemon has a token, every request needs `Authorization: Bearer <token>`. See docs/daemon.md."
  },
  "components": {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "parameters": {
      "run_id": {"name": "run_id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "A run id or a unique prefix of at least 4 characters"},
      "schedule": {"name": "schedule", "in": "path", "required": true, "schema": {"type": "string"}, "description": "A schedule's name, id or unique id prefix"},
      "artifact_id": {"name": "artifact_id", "in": "path", "required": true, "schema": {"type": "string"}, "description": "An artifact id or a unique prefix"}
    },
    "schemas": {
      "Error": {"type": "object", "required": ["success", "error"], "properties": {"success": {"type": "boolean", "enum": [false]}, "error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}},
      "Submitted": {"type": "object", "properties": {"run_id": {"type": "string"}, "status": {"type": "string"}, "ref": {"type": "string"}, "kind": {"type": "string"}, "command": {"type": "string"}}},
      "Recipe": {"type": "object", "required": ["argv", "cwd"], "additionalProperties": false, "properties": {
        "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "cwd": {"type": "string", "description": "Absolute directory the command runs in"},
        "name": {"type": "string"}, "kind": {"type": "string", "default": "task"},
        "timeout": {"type": "string", "example": "15m"}, "start_timeout": {"type": "string"}, "heartbeat_timeout": {"type": "string"}, "retain_for": {"type": "string"},
        "env": {"type": "object", "additionalProperties": {"type": "string"}},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "secret_env": {"type": "array", "items": {"type": "string"}},
        "artifacts": {"type": "array", "items": {"type": "string"}}}},
      "BenchJob": {"type": "object", "required": ["component"], "additionalProperties": false, "properties": {
        "component": {"type": "string"}, "rigs": {"type": "array", "items": {"type": "string"}, "description": "One rig pins it; several compare them (cross-rig)"},
        "scenarios": {"type": "array", "items": {"type": "string"}}, "iterations": {"type": "integer", "minimum": 1, "maximum": 100000},
        "runs": {"type": "integer", "minimum": 1, "maximum": 1000}, "baseline": {"type": "boolean", "description": "Save the result as the baseline"},
        "timeout": {"type": "string", "example": "2h"}}},
      "ScheduleAdd": {"type": "object", "required": ["name", "cron", "argv", "cwd"], "additionalProperties": false, "properties": {
        "name": {"type": "string"}, "cron": {"type": "string", "example": "0 3 * * *"}, "timezone": {"type": "string", "example": "Europe/Berlin"},
        "catch_up": {"type": "string", "enum": ["skip", "once"], "default": "skip"}, "paused": {"type": "boolean"},
        "argv": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "A command, or [\"bench\", COMPONENT, ...] for this homeboy's bench"},
        "cwd": {"type": "string"}, "timeout": {"type": "string"}, "start_timeout": {"type": "string"}, "heartbeat_timeout": {"type": "string"}, "retain_for": {"type": "string"},
        "env": {"type": "object", "additionalProperties": {"type": "string"}}, "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "secret_env": {"type": "array", "items": {"type": "string"}}, "artifacts": {"type": "array", "items": {"type": "string"}}}}
    },
    "responses": {
      "Error": {"description": "The CLI's JSON error envelope", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "Json": {"description": "The payload of the matching CLI command (its --json data.payload)", "content": {"application/json": {"schema": {"type": "object"}}}}
    }
  },
  "security": [{"bearer": []}, {}],
  "paths": {
    "/api/v1/status": {"get": {"summary": "The daemon: version, pid, uptime, listen address, store", "responses": {"200": {"$ref": "#/components/responses/Json"}}}},
    "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"$ref": "#/components/responses/Json"}}}},
    "/api/v1/runs": {
      "get": {"summary": "runs.list: newest created first, keyset paged", "parameters": [
        {"name": "kind", "in": "query", "schema": {"type": "string"}},
        {"name": "component", "in": "query", "schema": {"type": "string"}},
        {"name": "rig", "in": "query", "schema": {"type": "string"}},
        {"name": "scenario", "in": "query", "schema": {"type": "string"}},
        {"name": "status", "in": "query", "schema": {"type": "string"}, "description": "queued, running, succeeded, failed, timed_out, cancelled, active, terminal, ..."},
        {"name": "since", "in": "query", "schema": {"type": "string"}, "description": "A duration (24h) or a timestamp"},
        {"name": "until", "in": "query", "schema": {"type": "string"}},
        {"name": "after", "in": "query", "schema": {"type": "string"}, "description": "The next_cursor of the previous page"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000, "default": 20}}],
        "responses": {"200": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}}},
      "post": {"summary": "Queue a task run (runs submit); the daemon's worker executes it", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recipe"}}}},
        "responses": {"201": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submitted"}}}}, "400": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/runs/{run_id}": {"get": {"summary": "runs.show plus findings and events", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/logs": {"get": {"summary": "runs.logs: captured stdout and stderr", "parameters": [{"$ref": "#/components/parameters/run_id"},
        {"name": "tail", "in": "query", "schema": {"type": "integer", "minimum": 1}, "description": "Only the last N lines of each stream"},
        {"name": "stream", "in": "query", "schema": {"type": "string", "enum": ["stdout", "stderr", "both"]}}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/artifacts/{artifact_id}": {"get": {"summary": "An artifact's bytes (Content-Disposition: attachment); a link artifact redirects", "parameters": [{"$ref": "#/components/parameters/run_id"}, {"$ref": "#/components/parameters/artifact_id"}],
      "responses": {"200": {"description": "The file", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}, "302": {"description": "A link artifact"}, "403": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/cancel": {"post": {"summary": "runs cancel", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "requestBody": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"reason": {"type": "string"}}}}}},
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/promote": {"post": {"summary": "runs promote", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "requestBody": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "properties": {"reason": {"type": "string"}}}}}},
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/retain": {"post": {"summary": "runs retain --until", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["until"], "additionalProperties": false, "properties": {"until": {"type": "string"}, "force": {"type": "boolean"}}}}}},
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/runs/{run_id}/replay": {"post": {"summary": "runs replay: queue a new run from this run's recipe", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "responses": {"201": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submitted"}}}}, "404": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/history": {"get": {"summary": "One metric of a component's bench runs over time, with its change points (bench history)", "parameters": [
        {"name": "component", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "rig", "in": "query", "schema": {"type": "string"}},
        {"name": "scenario", "in": "query", "schema": {"type": "string"}, "description": "Needed when the metric is in several scenarios"},
        {"name": "metric", "in": "query", "schema": {"type": "string"}, "description": "None: the runs and the metrics they recorded"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}, "description": "Points, newest (default 50)"}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/compare": {"get": {"summary": "2 to 4 bench runs, each compared with the first (runs bench-compare)", "parameters": [
        {"name": "runs", "in": "query", "required": true, "schema": {"type": "string"}, "description": "2 to 4 run ids, comma-separated; the first is the baseline"},
        {"name": "metric", "in": "query", "schema": {"type": "string"}, "description": "Only these metrics, comma-separated"}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/scope": {"get": {"summary": "The new-run form's scope: components with their rigs and the scenarios and metrics of their latest bench run; rigs with their components", "responses": {"200": {"$ref": "#/components/responses/Json"}}}},
    "/api/v1/bench": {"post": {"summary": "Queue a bench as a run (kind bench-job) for the daemon's worker; the bench run it records is announced on the job's events as `produced`", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BenchJob"}}}},
      "responses": {"201": {"description": "Queued", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submitted"}}}}, "400": {"$ref": "#/components/responses/Error"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/schedules": {
      "get": {"summary": "schedule.list: every schedule with its next firings and latest slot", "responses": {"200": {"$ref": "#/components/responses/Json"}}},
      "post": {"summary": "schedule add: a command or bench queued on a cron schedule", "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ScheduleAdd"}}}},
        "responses": {"201": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}, "409": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/schedules/{schedule}": {
      "get": {"summary": "schedule.show: a schedule, its next firings and its 20 latest slots", "parameters": [{"$ref": "#/components/parameters/schedule"}],
        "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}},
      "delete": {"summary": "schedule remove (the runs it queued stay)", "parameters": [{"$ref": "#/components/parameters/schedule"}],
        "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}
    },
    "/api/v1/schedules/{schedule}/pause": {"post": {"summary": "schedule pause", "parameters": [{"$ref": "#/components/parameters/schedule"}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/schedules/{schedule}/resume": {"post": {"summary": "schedule resume: from now on (missed slots never fire)", "parameters": [{"$ref": "#/components/parameters/schedule"}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "404": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/cron/next": {"get": {"summary": "schedule next: the next firings of a cron expression (the form's cron helper)", "parameters": [
        {"name": "cron", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "timezone", "in": "query", "schema": {"type": "string"}, "description": "IANA zone (default: the daemon's)"},
        {"name": "count", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 5}}],
      "responses": {"200": {"$ref": "#/components/responses/Json"}, "400": {"$ref": "#/components/responses/Error"}}}},
    "/api/v1/events": {"get": {"summary": "Server-Sent Events: every run's status changes and new runs; Last-Event-ID resumes", "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}}}},
    "/api/v1/runs/{run_id}/events": {"get": {"summary": "Server-Sent Events: one run's events; Last-Event-ID (the event seq) resumes", "parameters": [{"$ref": "#/components/parameters/run_id"}],
      "responses": {"200": {"description": "text/event-stream", "content": {"text/event-stream": {"schema": {"type": "string"}}}}, "404": {"$ref": "#/components/responses/Error"}}}}
  }
})json";

} // namespace

const Json&
openapi_document()
{
  static const Json document = Json::parse(k_openapi);
  return document;
}

} // namespace hb::server
