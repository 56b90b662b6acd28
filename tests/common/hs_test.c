#include "hs_test.h"

#include <stdarg.h>
#include <sys/wait.h>

static int failures;

int hs_test_failures(void) { return failures; }
void hs_test_fail(void) { failures++; }

static int report(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" %s\n", ok ? "ok" : "FAIL");
    fflush(stdout);
    if (!ok) failures++;
    return ok;
}

int hs_check_near(const char *what, double got, double want, double tol, const char *unit)
{
    int ok = isfinite(got) && fabs(got - want) <= tol;
    return report(ok, "%s: %.4g %s (want %.4g +- %.4g)", what, got, unit, want, tol);
}

int hs_check_below(const char *what, double got, double limit, const char *unit)
{
    int ok = !isnan(got) && got <= limit;
    return report(ok, "%s: %.4g %s (want <= %.4g)", what, got, unit, limit);
}

int hs_check_above(const char *what, double got, double limit, const char *unit)
{
    int ok = !isnan(got) && got >= limit;
    return report(ok, "%s: %.4g %s (want >= %.4g)", what, got, unit, limit);
}

int hs_check_true(const char *what, int cond) { return report(cond, "%s:", what); }

int hs_check_int(const char *what, long long got, long long want)
{
    return report(got == want, "%s: %lld (want %lld)", what, got, want);
}

int hs_check_str(const char *what, const char *got, const char *want)
{
    int ok = got && want && strcmp(got, want) == 0;
    return report(ok, "%s: \"%s\" (want \"%s\")", what, got ? got : "(null)", want ? want : "(null)");
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

const char *hs_test_bin(void) { return env_or("HS_BIN", "./handshake"); }
const char *hs_test_assets(void) { return env_or("HS_ASSETS", "assets"); }
const char *hs_test_tmp(void) { return env_or("HS_TMP", "/tmp"); }

const char *hs_test_tmp_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", hs_test_tmp(), name);
    return buf;
}

int hs_test_run(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    size_t used = 0;
    char tmp[4096];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, p)) > 0) {
        if (out && used + 1 < size) {
            size_t take = got < size - 1 - used ? got : size - 1 - used;
            memcpy(out + used, tmp, take);
            used += take;
        }
    }
    if (out && size) out[used] = 0;
    int st = pclose(p);
    if (st == -1) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int hs_test_main(int argc, char **argv, const hs_case *cases, size_t n)
{
    int ran = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0) continue;
        printf("== %s\n", cases[i].name);
        fflush(stdout);
        failures = 0;
        int rc = cases[i].fn();
        ran++;
        if (rc == HS_SKIP) { skipped++; printf("== %s: skipped\n", cases[i].name); continue; }
        if (rc != 0 || failures) { failed++; printf("== %s: FAILED\n", cases[i].name); }
        else printf("== %s: passed\n", cases[i].name);
    }
    if (!ran) { fprintf(stderr, "no case named '%s'\n", argc > 1 ? argv[1] : ""); return 2; }
    if (failed) return 1;
    if (skipped == ran) return HS_SKIP;
    return 0;
}
