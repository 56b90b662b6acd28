/* tests/common/hs_test.h: a tiny test harness.
 *
 * A test file defines cases as functions and ends with
 *     HS_TEST_MAIN(HS_CASE(name1), HS_CASE_SLOW(name2), ...)
 * (one HS_CASE per line: CMake reads them to make one ctest entry per case).
 * Each check prints the measured value and the limit, e.g.
 *     fsk_tx level: -13.02 dBm0 (want -13.00 +- 0.20) ok
 * A case returning HS_SKIP (77) is reported as skipped. */
#ifndef HS_TEST_H
#define HS_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HS_SKIP 77

typedef int (*hs_case_fn)(void);
typedef struct { const char *name; hs_case_fn fn; } hs_case;

int hs_test_failures(void);            /* failures so far in this case */
void hs_test_fail(void);

/* Each returns 1 when the check passed. */
int hs_check_near(const char *what, double got, double want, double tol, const char *unit);
int hs_check_below(const char *what, double got, double limit, const char *unit);  /* got <= limit */
int hs_check_above(const char *what, double got, double limit, const char *unit);  /* got >= limit */
int hs_check_true(const char *what, int cond);
int hs_check_int(const char *what, long long got, long long want);
int hs_check_str(const char *what, const char *got, const char *want);

/* Test environment (set by ctest): the handshake binary, assets dir, a scratch dir. */
const char *hs_test_bin(void);
const char *hs_test_assets(void);
const char *hs_test_tmp(void);
/* Builds "<tmp>/<name>" into a static buffer (one per call site is not kept: copy it). */
const char *hs_test_tmp_path(const char *name, char *buf, size_t size);
/* Runs a shell command, captures stdout (up to size-1 bytes) into out if out != NULL;
 * returns the exit status (or -1). */
int hs_test_run(const char *cmd, char *out, size_t size);

int hs_test_main(int argc, char **argv, const hs_case *cases, size_t n);

#define HS_CASE(name)      { #name, name }
#define HS_CASE_SLOW(name) { #name, name }
#define HS_TEST_MAIN(...)                                                         \
    int main(int argc, char **argv)                                               \
    {                                                                             \
        static const hs_case cases[] = { __VA_ARGS__ };                           \
        return hs_test_main(argc, argv, cases, sizeof cases / sizeof cases[0]);   \
    }

#endif
