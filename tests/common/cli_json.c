/* tests/common/cli_json.c: see cli_json.h. Grammar per RFC 8259. */
#include "cli_json.h"

#include <ctype.h>
#include <string.h>

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r') p++;
    return p;
}

static const char *value(const char *p, int depth);

static const char *string(const char *p)
{
    if (*p != '"') return NULL;
    for (p++; *p && *p != '"' && *p != '\n'; p++) {
        if ((unsigned char)*p < 0x20) return NULL;
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i])) return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
                return NULL;
            }
        }
    }
    return *p == '"' ? p + 1 : NULL;
}

static const char *number(const char *p)
{
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (isdigit((unsigned char)*p)) while (isdigit((unsigned char)*p)) p++;
    else return NULL;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p)) p++;
    }
    return p;
}

static const char *object(const char *p, int depth)
{
    p = ws(p + 1);
    if (*p == '}') return p + 1;
    for (;;) {
        p = string(ws(p));
        if (!p) return NULL;
        p = ws(p);
        if (*p != ':') return NULL;
        p = value(ws(p + 1), depth + 1);
        if (!p) return NULL;
        p = ws(p);
        if (*p == '}') return p + 1;
        if (*p != ',') return NULL;
        p++;
    }
}

static const char *array(const char *p, int depth)
{
    p = ws(p + 1);
    if (*p == ']') return p + 1;
    for (;;) {
        p = value(ws(p), depth + 1);
        if (!p) return NULL;
        p = ws(p);
        if (*p == ']') return p + 1;
        if (*p != ',') return NULL;
        p++;
    }
}

static const char *value(const char *p, int depth)
{
    if (depth > 32) return NULL;
    p = ws(p);
    switch (*p) {
    case '{': return object(p, depth);
    case '[': return array(p, depth);
    case '"': return string(p);
    case 't': return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f': return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n': return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:  return number(p);
    }
}

int cli_json_is_object(const char *s)
{
    const char *p = ws(s);
    if (*p != '{') return 0;
    p = object(p, 0);
    if (!p) return 0;
    p = ws(p);
    return *p == 0 || *p == '\n';
}

int cli_json_get(const char *s, const char *key, char *out, size_t size)
{
    const char *p = ws(s);
    if (*p != '{') return 0;
    p = ws(p + 1);
    while (*p == '"') {
        const char *k = p + 1, *ke = string(p);
        if (!ke) return 0;
        size_t klen = (size_t)(ke - 1 - k);
        p = ws(ke);
        if (*p != ':') return 0;
        const char *v = ws(p + 1), *ve = value(v, 1);
        if (!ve) return 0;
        if (klen == strlen(key) && strncmp(k, key, klen) == 0) {
            if (*v == '"') { v++; ve--; }
            size_t n = (size_t)(ve - v);
            if (n >= size) n = size - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return 1;
        }
        p = ws(ve);
        if (*p != ',') return 0;
        p = ws(p + 1);
    }
    return 0;
}
