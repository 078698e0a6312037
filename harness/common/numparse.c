/*
 * numparse: strict number parsing (see numparse.h).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"

int numparse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return DP_EPARSE;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (*end != '\0')
        return DP_EPARSE;
    if (errno == ERANGE || v > max)
        return DP_ERANGE;
    *out = v;
    return 0;
}

int numparse_u32(const char *s, uint32_t *out)
{
    uint64_t v;
    int ret = numparse_u64(s, UINT32_MAX, &v);

    if (ret == 0)
        *out = (uint32_t)v;
    return ret;
}

int numparse_u16(const char *s, uint16_t *out)
{
    uint64_t v;
    int ret = numparse_u64(s, UINT16_MAX, &v);

    if (ret == 0)
        *out = (uint16_t)v;
    return ret;
}

int numparse_double(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    double v;

    /* strtod would skip leading white space: the whole string must be
     * the number. */
    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return DP_EPARSE;
    errno = 0;
    v = strtod(s, &end);
    if (*end != '\0' || end == s)
        return DP_EPARSE;
    if (errno == ERANGE || !isfinite(v) || v < min || v > max)
        return DP_ERANGE;
    *out = v;
    return 0;
}

int numparse_duration(const char *s, double max, double *out)
{
    static const struct {
        char unit;
        double secs;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 7 * 86400}};
    char num[64];
    size_t len = s != NULL ? strlen(s) : 0;
    double mult = 1, v;
    int ret;

    if (len == 0 || len >= sizeof(num))
        return DP_EPARSE;
    memcpy(num, s, len + 1);
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (num[len - 1] == units[i].unit) {
            num[--len] = '\0';
            mult = units[i].secs;
            break;
        }
    }
    ret = numparse_double(num, 0, max / mult, &v);
    if (ret < 0)
        return ret;
    *out = v * mult;
    return 0;
}

int numparse_time(const char *s, double now, double *out)
{
    struct tm tm;
    const char *end;
    double ago;

    if (s == NULL || *s == '\0')
        return DP_EPARSE;
    if (s[0] == '-') {
        if (numparse_duration(s + 1, 100 * 365 * 86400.0, &ago) < 0)
            return DP_EPARSE;
        *out = now - ago;
        return 0;
    }
    if (strchr(s, '-') == NULL) /* no date: epoch seconds */
        return numparse_double(s, 0, 1e11, out);
    memset(&tm, 0, sizeof(tm));
    end = strptime(s, "%Y-%m-%d", &tm);
    if (end != NULL && *end == 'T') {
        const char *t = strptime(end + 1, "%H:%M:%S", &tm);
        end = t != NULL ? t : strptime(end + 1, "%H:%M", &tm);
    }
    if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
        return DP_EPARSE;
    *out = (double)timegm(&tm);
    return 0;
}
