/* tests/common/cli_json.h: a small strict JSON reader for the command-line tests: checks
 * that a line is one JSON object and fetches top-level members. */
#ifndef CLI_JSON_H
#define CLI_JSON_H

#include <stddef.h>

/* 1 if s (up to its end or a newline) is exactly one JSON object, 0 otherwise. */
int cli_json_is_object(const char *s);
/* Finds top-level member key of the object s and copies its value into out: a string
 * without quotes (escapes kept as written), anything else as written ({...}, [...], 12.5,
 * true). Returns 1 if found. */
int cli_json_get(const char *s, const char *key, char *out, size_t size);

#endif
