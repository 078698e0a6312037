/*
 * clock: NTP timestamp conversion, RFC 4330 offset/delay arithmetic,
 * reply validation, HOST[:PORT] parsing, the offset check, the JSON
 * contract, and the SNTP exchange itself against a scripted fake server
 * on loopback (Kiss-o'-Death, spoofed replies, silence).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <unistd.h>

#include "harness/common/clock.h"
#include "harness/common/errcode.h"
#include "harness/common/timebase.h"

/* seconds.fraction as a 32.32 NTP value */
#define NTP(sec, frac) (((uint64_t)(sec) << 32) | (uint64_t)(frac))
#define HALF           UINT32_C(0x80000000)
#define QUARTER        UINT32_C(0x40000000)

/* ---- timestamp conversion ----------------------------------------------- */

Test(clock, ntp_from_unix_epoch_offset)
{
    cr_assert_eq(CLOCK_NTP_UNIX_OFFSET, UINT64_C(2208988800));
    cr_assert_eq(clock_ntp_from_unix_ns(0), NTP(2208988800u, 0), "1970 is 2208988800 s");
    cr_assert_eq(clock_ntp_from_unix_ns(TB_NS_PER_S), NTP(2208988801u, 0));
    /* 2026-01-01T00:00:00Z = 1767225600 */
    cr_assert_eq(clock_ntp_from_unix_ns(INT64_C(1767225600) * TB_NS_PER_S),
                 NTP(1767225600u + 2208988800u, 0));
}

Test(clock, ntp_from_unix_fraction_rounds_to_nearest)
{
    cr_assert_eq(clock_ntp_from_unix_ns(TB_NS_PER_S / 2), NTP(2208988800u, HALF));
    cr_assert_eq(clock_ntp_from_unix_ns(TB_NS_PER_S / 4), NTP(2208988800u, QUARTER));
    /* 1 ns = 4.294967296 units: rounds down to 4 */
    cr_assert_eq(clock_ntp_from_unix_ns(1), NTP(2208988800u, 4));
    /* 3 ns = 12.88 units: rounds up to 13 */
    cr_assert_eq(clock_ntp_from_unix_ns(3), NTP(2208988800u, 13));
    /* 999999999 ns = 4294967291.7 units: 4294967292, no carry */
    cr_assert_eq(clock_ntp_from_unix_ns(TB_NS_PER_S - 1), NTP(2208988800u, 4294967292u));
}

Test(clock, ntp_from_unix_wraps_into_era_1)
{
    /* 2036-02-07T06:28:16Z: NTP era 0 ends, seconds wrap to 0. */
    int64_t wrap = INT64_C(4294967296) - INT64_C(2208988800);

    cr_assert_eq(wrap, INT64_C(2085978496));
    cr_assert_eq(clock_ntp_from_unix_ns(wrap * TB_NS_PER_S), NTP(0, 0));
    cr_assert_eq(clock_ntp_from_unix_ns((wrap - 1) * TB_NS_PER_S), NTP(0xffffffffu, 0));
}

Test(clock, ntp_to_unix)
{
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(2208988800u, 0)), 0);
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(2208988800u, HALF)), TB_NS_PER_S / 2);
    /* one unit = 0.23 ns rounds to 0; three = 0.70 ns rounds to 1 */
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(2208988800u, 1)), 0);
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(2208988800u, 3)), 1);
    /* the largest fraction rounds up to a whole second */
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(2208988800u, 0xffffffffu)), TB_NS_PER_S);
    /* RFC 4330 section 3: top bit clear means era 1 (2036..2104) */
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(0, 0)), INT64_C(2085978496) * TB_NS_PER_S);
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(0x7fffffffu, 0)),
                 (INT64_C(2085978496) + 0x7fffffff) * TB_NS_PER_S);
    /* top bit set: era 0, back to 1968-01-20 */
    cr_assert_eq(clock_ntp_to_unix_ns(NTP(0x80000000u, 0)),
                 (INT64_C(0x80000000) - INT64_C(2208988800)) * TB_NS_PER_S);
}

Test(clock, ntp_round_trip_is_exact_to_the_nanosecond)
{
    /* A unit (0.23 ns) is finer than half a nanosecond, so both roundings
     * together lose nothing. */
    static const int64_t base[] = {0, INT64_C(1767225600), INT64_C(2085978495),
                                   INT64_C(2085978496), INT64_C(4000000000)};
    size_t b;
    int64_t ns;

    for (b = 0; b < sizeof(base) / sizeof(base[0]); b++) {
        for (ns = 0; ns < TB_NS_PER_S; ns += 999983) {
            int64_t t = base[b] * TB_NS_PER_S + ns;
            cr_assert_eq(clock_ntp_to_unix_ns(clock_ntp_from_unix_ns(t)), t, "%lld",
                         (long long)t);
        }
        for (ns = TB_NS_PER_S - 1000; ns < TB_NS_PER_S; ns++) {
            int64_t t = base[b] * TB_NS_PER_S + ns;
            cr_assert_eq(clock_ntp_to_unix_ns(clock_ntp_from_unix_ns(t)), t, "%lld",
                         (long long)t);
        }
    }
}

/* ---- offset and delay --------------------------------------------------- */

Test(clock, offset_delay_server_ahead)
{
    double off = NAN;
    double del = NAN;

    /* T1=10, T2=11.5, T3=11.75, T4=10.5: theta = (1.5 + 1.25)/2 = 1.375,
     * delta = 0.5 - 0.25 = 0.25 */
    clock_sntp_compute(NTP(10, 0), NTP(11, HALF), NTP(11, HALF + QUARTER), NTP(10, HALF),
                       &off, &del);
    cr_assert_eq(off, 1.375);
    cr_assert_eq(del, 0.25);
}

Test(clock, offset_delay_server_behind)
{
    double off = NAN;
    double del = NAN;

    /* T1=100, T2=98.25, T3=98.5, T4=100.5: theta = (-1.75 - 2)/2 = -1.875,
     * delta = 0.5 - 0.25 = 0.25 */
    clock_sntp_compute(NTP(100, 0), NTP(98, QUARTER), NTP(98, HALF), NTP(100, HALF), &off,
                       &del);
    cr_assert_eq(off, -1.875);
    cr_assert_eq(del, 0.25);
}

Test(clock, offset_delay_symmetric_path_is_zero_offset)
{
    double off = NAN;
    double del = NAN;

    /* 10 ms each way, 5 ms in the server, clocks agree */
    uint64_t t1 = clock_ntp_from_unix_ns(INT64_C(1767225600) * TB_NS_PER_S);
    uint64_t t2 = clock_ntp_from_unix_ns(INT64_C(1767225600) * TB_NS_PER_S + 10000000);
    uint64_t t3 = clock_ntp_from_unix_ns(INT64_C(1767225600) * TB_NS_PER_S + 15000000);
    uint64_t t4 = clock_ntp_from_unix_ns(INT64_C(1767225600) * TB_NS_PER_S + 25000000);

    clock_sntp_compute(t1, t2, t3, t4, &off, &del);
    cr_assert(fabs(off) < 1e-9, "offset %g", off);
    cr_assert(fabs(del - 0.020) < 1e-9, "delay %g", del);
    /* NULL outputs are allowed */
    clock_sntp_compute(t1, t2, t3, t4, NULL, &del);
    clock_sntp_compute(t1, t2, t3, t4, &off, NULL);
}

Test(clock, offset_delay_across_the_era_wrap)
{
    double off = NAN;
    double del = NAN;

    /* T1 = 2^32 - 0.5 (end of era 0), server 1 s ahead: T2 = 0.5 (era 1),
     * T3 = 0.75, T4 = 2^32 - 0.5 + 0.5 = 0 (era 1). */
    clock_sntp_compute(NTP(0xffffffffu, HALF), NTP(0, HALF), NTP(0, HALF + QUARTER),
                       NTP(0, 0), &off, &del);
    cr_assert_eq(off, 0.875, "offset %g", off);
    cr_assert_eq(del, 0.25, "delay %g", del);
}

/* ---- packets ------------------------------------------------------------ */

static void put64(uint8_t *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* A well-formed server reply to the request with transmit timestamp org. */
static void make_reply(uint8_t *p, uint64_t org)
{
    memset(p, 0, CLOCK_NTP_PACKET_LEN);
    p[0] = 0 << 6 | 4 << 3 | 4; /* LI 0, VN 4, mode 4 (server) */
    p[1] = 2;                   /* stratum */
    memcpy(p + 12, "\xc0\x00\x02\x01", 4);
    put64(p + 24, org);
    put64(p + 32, org + NTP(0, HALF));
    put64(p + 40, org + NTP(0, HALF + QUARTER));
}

Test(clock, request_packet)
{
    uint8_t pkt[CLOCK_NTP_PACKET_LEN];
    uint8_t zero[40] = {0};

    memset(pkt, 0xaa, sizeof(pkt));
    clock_sntp_request(pkt, UINT64_C(0x0102030405060708));
    cr_assert_eq(pkt[0], 0x23, "LI=0 VN=4 Mode=3 is 0x23, got 0x%02x", pkt[0]);
    cr_assert_eq(memcmp(pkt + 1, zero, 39), 0, "all other fields zero");
    cr_assert_eq(pkt[40], 1);
    cr_assert_eq(pkt[47], 8);
}

Test(clock, reply_valid)
{
    uint8_t p[64];
    clock_ntp_reply_t r;
    char err[160];
    uint64_t org = NTP(3976214400u, 12345);

    make_reply(p, org);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, org, &r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.li, 0);
    cr_assert_eq(r.vn, 4);
    cr_assert_eq(r.mode, 4);
    cr_assert_eq(r.stratum, 2);
    cr_assert_eq(r.refid, 0xc0000201u);
    cr_assert_eq(r.org, org);
    cr_assert_eq(r.rec, org + NTP(0, HALF));
    cr_assert_eq(r.xmt, org + NTP(0, HALF + QUARTER));
    cr_assert_str_empty(r.kiss);
    /* longer (extension fields, MAC) is fine */
    cr_assert_eq(clock_sntp_parse_reply(p, 64, org, NULL, NULL, 0), 0);
    /* LI 1/2 (leap second pending) is fine */
    p[0] = 1 << 6 | 4 << 3 | 4;
    cr_assert_eq(clock_sntp_parse_reply(p, 48, org, NULL, err, sizeof(err)), 0);
}

Test(clock, reply_short)
{
    uint8_t p[48];
    char err[160];

    make_reply(p, 1);
    cr_assert_eq(clock_sntp_parse_reply(p, 47, 1, NULL, err, sizeof(err)), -EBADMSG);
    cr_assert(strstr(err, "short") != NULL, "%s", err);
    cr_assert_eq(clock_sntp_parse_reply(p, 0, 1, NULL, err, sizeof(err)), -EBADMSG);
}

Test(clock, reply_bad_mode_and_version)
{
    uint8_t p[48];
    char err[160];
    int mode;

    for (mode = 0; mode < 8; mode++) {
        if (mode == 4)
            continue;
        make_reply(p, 7);
        p[0] = (uint8_t)(4 << 3 | mode);
        cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), -EBADMSG,
                     "mode %d", mode);
        cr_assert(strstr(err, "mode") != NULL, "%s", err);
    }
    make_reply(p, 7);
    p[0] = 0 << 3 | 4; /* VN 0: RFC 4330 section 5 says discard */
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), -EBADMSG);
}

Test(clock, reply_kiss_of_death)
{
    uint8_t p[48];
    clock_ntp_reply_t r;
    char err[160];

    make_reply(p, 7);
    p[1] = 0;
    memcpy(p + 12, "RATE", 4);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, &r, err, sizeof(err)), -ECONNREFUSED);
    cr_assert_str_eq(r.kiss, "RATE");
    cr_assert(strstr(err, "RATE") != NULL, "%s", err);
    cr_assert(strstr(err, "less often") != NULL, "%s", err);

    memcpy(p + 12, "DENY", 4);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, &r, err, sizeof(err)), -ECONNREFUSED);
    cr_assert(strstr(err, "DENY") != NULL && strstr(err, "denies") != NULL, "%s", err);

    /* a kiss code is ASCII; anything else is shown as '?' */
    memcpy(p + 12, "X\001\377Z", 4);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, &r, err, sizeof(err)), -ECONNREFUSED);
    cr_assert_str_eq(r.kiss, "X??Z");

    /* a KoD with LI=3 and no transmit time is still reported as a KoD */
    make_reply(p, 7);
    p[0] = 3 << 6 | 4 << 3 | 4;
    p[1] = 0;
    memcpy(p + 12, "INIT", 4);
    memset(p + 40, 0, 8);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, &r, err, sizeof(err)), -ECONNREFUSED);
    cr_assert_str_eq(r.kiss, "INIT");
}

Test(clock, reply_unsynchronised_server)
{
    uint8_t p[48];
    char err[160];

    make_reply(p, 7);
    p[0] = 3 << 6 | 4 << 3 | 4; /* LI=3: alarm */
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), -EAGAIN);
    cr_assert(strstr(err, "not synchronised") != NULL, "%s", err);

    make_reply(p, 7);
    p[1] = 16; /* RFC 5905: stratum 16 is unsynchronised */
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), -EAGAIN);
    make_reply(p, 7);
    p[1] = 15;
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), 0);
}

Test(clock, reply_originate_mismatch)
{
    uint8_t p[48];
    char err[160];

    make_reply(p, NTP(100, 1));
    cr_assert_eq(clock_sntp_parse_reply(p, 48, NTP(100, 2), NULL, err, sizeof(err)),
                 -EPROTO);
    cr_assert(strstr(err, "originate") != NULL, "%s", err);
    /* checked before anything else: a forged KoD is not believed */
    p[1] = 0;
    memcpy(p + 12, "DENY", 4);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, NTP(100, 2), NULL, err, sizeof(err)),
                 -EPROTO);
}

Test(clock, reply_zero_transmit)
{
    uint8_t p[48];
    char err[160];

    make_reply(p, 7);
    memset(p + 40, 0, 8);
    cr_assert_eq(clock_sntp_parse_reply(p, 48, 7, NULL, err, sizeof(err)), -EBADMSG);
    cr_assert(strstr(err, "transmit") != NULL, "%s", err);
}

/* ---- HOST[:PORT] -------------------------------------------------------- */

static void server_ok(const char *in, const char *host, const char *port)
{
    char h[64] = "";
    char p[8] = "";

    cr_assert_eq(clock_parse_server(in, h, sizeof(h), p, sizeof(p)), 0, "'%s'", in);
    cr_assert_str_eq(h, host, "'%s'", in);
    cr_assert_str_eq(p, port, "'%s'", in);
}

Test(clock, parse_server_valid)
{
    server_ok("127.0.0.1", "127.0.0.1", "123");
    server_ok("127.0.0.1:12345", "127.0.0.1", "12345");
    server_ok("[::1]:123", "::1", "123");
    server_ok("[::1]", "::1", "123");
    server_ok("::1", "::1", "123");
    server_ok("2001:db8::1", "2001:db8::1", "123");
    server_ok("localhost:123", "localhost", "123");
    server_ok("ntp.example.org", "ntp.example.org", "123");
    server_ok("[fe80::1%lo]:1", "fe80::1%lo", "1");
    server_ok("h:65535", "h", "65535");
}

Test(clock, parse_server_invalid)
{
    static const struct {
        const char *in;
        int ret;
    } bad[] = {
        {"", DP_EPARSE},
        {":123", DP_EPARSE},
        {"127.0.0.1:", DP_EPARSE},
        {"127.0.0.1:abc", DP_EPARSE},
        {"127.0.0.1:-1", DP_EPARSE},
        {"127.0.0.1:+1", DP_EPARSE},
        {"127.0.0.1:12 3", DP_EPARSE},
        {"127.0.0.1:0", DP_ERANGE},
        {"127.0.0.1:65536", DP_ERANGE},
        {"127.0.0.1:99999999999999999999", DP_ERANGE},
        {"[::1", DP_EPARSE},
        {"[::1]x", DP_EPARSE},
        {"[::1]:", DP_EPARSE},
        {"[]:123", DP_EPARSE},
        {"[::1]:0", DP_ERANGE},
        {"localhost:123456", DP_ERANGE},
    };
    size_t i;
    char h[64];
    char p[8];

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_eq(clock_parse_server(bad[i].in, h, sizeof(h), p, sizeof(p)),
                     bad[i].ret, "'%s'", bad[i].in);
    cr_assert_eq(clock_parse_server(NULL, h, sizeof(h), p, sizeof(p)), DP_EPARSE);
    /* host longer than the buffer */
    cr_assert_eq(clock_parse_server("averyveryverylonghostname:1", h, 8, p, sizeof(p)),
                 DP_EPARSE);
}

/* ---- clock_check -------------------------------------------------------- */

static clock_status_t sntp_status(double offset_s)
{
    clock_status_t st;

    memset(&st, 0, sizeof(st));
    st.kernel_ok = true;
    st.synchronised = true;
    st.kernel_offset_s = 99; /* must not be used when SNTP measured */
    st.sntp_used = true;
    st.sntp_ok = true;
    st.sntp_offset_s = offset_s;
    snprintf(st.sntp_server, sizeof(st.sntp_server), "%s", "127.0.0.1:123");
    return st;
}

Test(clock, check_thresholds)
{
    clock_status_t st = sntp_status(0.25);
    char msg[512];

    cr_assert_eq(clock_check(&st, 250, msg, sizeof(msg)), 0, "equal is within: %s", msg);
    cr_assert_eq(clock_check(&st, 300, msg, sizeof(msg)), 0);
    cr_assert(strstr(msg, "within") != NULL, "%s", msg);
    cr_assert_eq(clock_check(&st, 200, msg, sizeof(msg)), -ERANGE);
    cr_assert(strstr(msg, "+250.000000 ms") != NULL, "what: %s", msg);
    cr_assert(strstr(msg, "by 50.000000 ms") != NULL, "by how much: %s", msg);
    cr_assert(strstr(msg, "127.0.0.1:123") != NULL, "against what: %s", msg);
    cr_assert(strstr(msg, "chronyc") != NULL, "what to do: %s", msg);

    st = sntp_status(-0.25);
    cr_assert_eq(clock_check(&st, 200, msg, sizeof(msg)), -ERANGE, "|offset| counts");
    cr_assert(strstr(msg, "-250.000000 ms") != NULL, "%s", msg);
    cr_assert_eq(clock_check(&st, 250, msg, sizeof(msg)), 0);

    /* 1 ns against a 1 ps limit */
    st = sntp_status(1e-9);
    cr_assert_eq(clock_check(&st, 1e-9, msg, sizeof(msg)), -ERANGE);
    st = sntp_status(0);
    cr_assert_eq(clock_check(&st, 1e-9, msg, sizeof(msg)), 0);
}

Test(clock, check_disabled)
{
    clock_status_t st = sntp_status(1000);
    char msg[128];

    cr_assert_eq(clock_check(&st, 0, msg, sizeof(msg)), 0);
    cr_assert_eq(clock_check(&st, -5, msg, sizeof(msg)), 0);
    cr_assert_eq(clock_check(&st, NAN, msg, sizeof(msg)), 0);
    cr_assert_eq(clock_check(&st, 0, NULL, 0), 0);
}

Test(clock, check_falls_back_to_kernel_offset)
{
    clock_status_t st = sntp_status(0);
    char msg[512];

    st.sntp_ok = false;
    st.kernel_offset_s = 0.010;
    cr_assert_eq(clock_check(&st, 5, msg, sizeof(msg)), -ERANGE);
    cr_assert(strstr(msg, "kernel") != NULL && strstr(msg, "SNTP failed") != NULL, "%s",
              msg);
    cr_assert_eq(clock_check(&st, 20, msg, sizeof(msg)), 0);

    st.kernel_ok = false;
    snprintf(st.kernel_error, sizeof(st.kernel_error), "%s", "ntp_adjtime: EPERM");
    snprintf(st.sntp_error, sizeof(st.sntp_error), "%s", "127.0.0.1:123: timeout");
    cr_assert_eq(clock_check(&st, 20, msg, sizeof(msg)), -ENODATA);
    cr_assert(strstr(msg, "EPERM") != NULL && strstr(msg, "timeout") != NULL, "%s", msg);
}

/* ---- JSON --------------------------------------------------------------- */

Test(clock, json_has_every_field)
{
    static const char *const keys[] = {
        "at",           "kernel_ok",  "kernel_error",  "synchronised",
        "state",        "state_name", "kernel_status", "kernel_offset_s",
        "maxerror_s",   "esterror_s", "sntp_used",     "sntp_ok",
        "sntp_server",  "sntp_error", "sntp_offset_s", "sntp_delay_s",
        "sntp_stratum",
    };
    clock_status_t st = sntp_status(0.125);
    json_t *o;
    size_t i;

    st.state = TIME_OK;
    st.sntp_delay_s = 0.5;
    st.sntp_stratum = 3;
    o = clock_status_json(&st);
    cr_assert_not_null(o);
    cr_assert_eq(json_object_size(o), sizeof(keys) / sizeof(keys[0]));
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        cr_assert_not_null(json_object_get(o, keys[i]), "%s", keys[i]);
    cr_assert(json_is_true(json_object_get(o, "sntp_ok")));
    cr_assert_eq(json_real_value(json_object_get(o, "sntp_offset_s")), 0.125);
    cr_assert_eq(json_real_value(json_object_get(o, "sntp_delay_s")), 0.5);
    cr_assert_eq(json_integer_value(json_object_get(o, "sntp_stratum")), 3);
    cr_assert_str_eq(json_string_value(json_object_get(o, "state_name")), "TIME_OK");
    cr_assert(json_is_null(json_object_get(o, "sntp_error")));
    json_decref(o);

    /* not measured: null, not 0 */
    st.sntp_ok = false;
    snprintf(st.sntp_error, sizeof(st.sntp_error), "%s", "x: timeout");
    o = clock_status_json(&st);
    cr_assert(json_is_null(json_object_get(o, "sntp_offset_s")));
    cr_assert(json_is_null(json_object_get(o, "sntp_stratum")));
    cr_assert_str_eq(json_string_value(json_object_get(o, "sntp_error")), "x: timeout");
    json_decref(o);
}

Test(clock, state_names)
{
    cr_assert_str_eq(clock_state_str(TIME_OK), "TIME_OK");
    cr_assert_str_eq(clock_state_str(TIME_ERROR), "TIME_ERROR");
    cr_assert_str_eq(clock_state_str(42), "unknown");
}

/* ---- kernel ------------------------------------------------------------- */

Test(clock, read_kernel_without_server)
{
    clock_status_t st;
    int ret = clock_read(&st, NULL, 100);

    /* ntp_adjtime(modes = 0) needs no privilege; whatever the host's
     * state, the fields must be consistent. */
    cr_assert_eq(ret, 0, "%s", st.kernel_error);
    cr_assert(st.kernel_ok);
    cr_assert(!st.sntp_used && !st.sntp_ok);
    cr_assert(st.at > 1.6e9);
    cr_assert(st.maxerror_s >= 0 && st.esterror_s >= 0);
    cr_assert_eq(st.synchronised,
                 (st.kernel_status & STA_UNSYNC) == 0 && st.state != TIME_ERROR);
}

/* ---- exchange against a scripted server on loopback ---------------------- */

enum fake_mode {
    FAKE_OK,
    FAKE_KOD,
    FAKE_SPOOF_THEN_OK,
    FAKE_SPOOF_ONLY,
    FAKE_SILENT,
    FAKE_UNSYNC
};

typedef struct {
    int fd;
    enum fake_mode mode;
    char addr[64];
} fake_t;

/* Answer one request: T2 = T3 = T1 + 0.5 s, so the client should see an
 * offset of about +0.5 s and a delay of about 0. */
static void *fake_run(void *arg)
{
    fake_t *f = arg;
    struct sockaddr_storage from;
    socklen_t fromlen = sizeof(from);
    uint8_t req[128];
    uint8_t p[48];
    uint64_t org;
    ssize_t n;

    n = recvfrom(f->fd, req, sizeof(req), 0, (struct sockaddr *)&from, &fromlen);
    if (n < 48 || f->mode == FAKE_SILENT)
        return NULL;
    org = 0;
    for (int i = 40; i < 48; i++)
        org = org << 8 | req[i];
    if (f->mode == FAKE_SPOOF_THEN_OK || f->mode == FAKE_SPOOF_ONLY) {
        make_reply(p, org + 1);
        p[1] = 0;
        memcpy(p + 12, "DENY", 4);
        sendto(f->fd, p, sizeof(p), 0, (struct sockaddr *)&from, fromlen);
        if (f->mode == FAKE_SPOOF_ONLY)
            return NULL;
    }
    make_reply(p, org);
    put64(p + 32, org + NTP(0, HALF));
    put64(p + 40, org + NTP(0, HALF));
    if (f->mode == FAKE_KOD) {
        p[1] = 0;
        memcpy(p + 12, "RATE", 4);
    } else if (f->mode == FAKE_UNSYNC) {
        p[0] = 3 << 6 | 4 << 3 | 4;
    }
    sendto(f->fd, p, sizeof(p), 0, (struct sockaddr *)&from, fromlen);
    return NULL;
}

static void fake_start(fake_t *f, pthread_t *th, enum fake_mode mode)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);

    memset(f, 0, sizeof(*f));
    f->mode = mode;
    f->fd = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(f->fd, 0);
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(f->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    cr_assert_eq(getsockname(f->fd, (struct sockaddr *)&sin, &len), 0);
    snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    cr_assert_eq(pthread_create(th, NULL, fake_run, f), 0);
}

static void fake_stop(fake_t *f, pthread_t th)
{
    /* unblocks recvfrom if no request ever came */
    shutdown(f->fd, SHUT_RDWR);
    pthread_join(th, NULL);
    close(f->fd);
}

Test(clock, exchange_ok)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;
    int ret;

    fake_start(&f, &th, FAKE_OK);
    ret = clock_read(&st, f.addr, 2000);
    fake_stop(&f, th);
    cr_assert_eq(ret, 0, "%s", st.sntp_error);
    cr_assert(st.sntp_used && st.sntp_ok);
    cr_assert_str_eq(st.sntp_server, f.addr);
    cr_assert_eq(st.sntp_stratum, 2);
    cr_assert(fabs(st.sntp_offset_s - 0.5) < 0.05, "offset %g", st.sntp_offset_s);
    cr_assert(st.sntp_delay_s >= 0 && st.sntp_delay_s < 0.05, "delay %g",
              st.sntp_delay_s);
}

Test(clock, exchange_kiss_of_death)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;
    int ret;

    fake_start(&f, &th, FAKE_KOD);
    ret = clock_read(&st, f.addr, 2000);
    fake_stop(&f, th);
    cr_assert_eq(ret, -ECONNREFUSED);
    cr_assert(!st.sntp_ok);
    cr_assert(strstr(st.sntp_error, "RATE") != NULL, "%s", st.sntp_error);
    cr_assert(strstr(st.sntp_error, f.addr) != NULL, "%s", st.sntp_error);
}

Test(clock, exchange_unsynchronised_server)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;

    fake_start(&f, &th, FAKE_UNSYNC);
    cr_assert_eq(clock_read(&st, f.addr, 2000), -EAGAIN);
    fake_stop(&f, th);
    cr_assert(strstr(st.sntp_error, "not synchronised") != NULL, "%s", st.sntp_error);
}

Test(clock, exchange_discards_spoofed_reply)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;
    int ret;

    fake_start(&f, &th, FAKE_SPOOF_THEN_OK);
    ret = clock_read(&st, f.addr, 2000);
    fake_stop(&f, th);
    cr_assert_eq(ret, 0, "the forged DENY must be ignored: %s", st.sntp_error);
    cr_assert(fabs(st.sntp_offset_s - 0.5) < 0.05, "offset %g", st.sntp_offset_s);
}

Test(clock, exchange_spoofed_only_times_out)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;

    fake_start(&f, &th, FAKE_SPOOF_ONLY);
    cr_assert_eq(clock_read(&st, f.addr, 300), -ETIMEDOUT);
    fake_stop(&f, th);
    cr_assert(strstr(st.sntp_error, "originate") != NULL, "says what was discarded: %s",
              st.sntp_error);
}

Test(clock, exchange_timeout_is_bounded)
{
    fake_t f;
    pthread_t th;
    clock_status_t st;
    int64_t t0;
    int64_t ms;

    fake_start(&f, &th, FAKE_SILENT);
    t0 = timebase_mono_ns();
    cr_assert_eq(clock_read(&st, f.addr, 250), -ETIMEDOUT);
    ms = (timebase_mono_ns() - t0) / TB_NS_PER_MS;
    fake_stop(&f, th);
    cr_assert(ms >= 250 && ms < 1000, "took %lld ms", (long long)ms);
    cr_assert(strstr(st.sntp_error, f.addr) != NULL, "%s", st.sntp_error);
}

Test(clock, exchange_refused_and_bad_server)
{
    clock_status_t st;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    char addr[64];

    /* a port that was just free: bind, learn it, close */
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    getsockname(fd, (struct sockaddr *)&sin, &len);
    close(fd);
    snprintf(addr, sizeof(addr), "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    cr_assert_eq(clock_read(&st, addr, 1000), -ECONNREFUSED);
    cr_assert(strstr(st.sntp_error, addr) != NULL, "%s", st.sntp_error);

    cr_assert_eq(clock_read(&st, "127.0.0.1:0", 100), DP_ERANGE);
    cr_assert(st.sntp_used && !st.sntp_ok);
    cr_assert(strstr(st.sntp_error, "127.0.0.1:0") != NULL, "%s", st.sntp_error);
    cr_assert(st.kernel_ok, "the kernel part is still read");
}

/* A realtime instant far from now (a request's start_time of 1e10, NaN,
 * -inf) maps to a monotonic instant without overflow (issue 12: 1e10
 * overflowed int64 and UBSan aborted the service at every restart). */
Test(clock, real_to_mono_clamps_far_instants)
{
    int64_t now = timebase_mono_ns();
    double real = timebase_real_s();
    int64_t near = timebase_real_to_mono(real - 2.0);
    int64_t far = timebase_real_to_mono(1e10);
    int64_t past = timebase_real_to_mono(-1e300);
    int64_t nan_ = timebase_real_to_mono(NAN);

    cr_expect(near < now && now - near > (int64_t)1.9e9 && now - near < (int64_t)2.5e9,
              "2 s ago: %lld ns before now", (long long)(now - near));
    cr_expect(far > now && far - now <= (int64_t)(TIMEBASE_MAX_SPAN_S * 1e9) + 1000000000,
              "1e10 s: %lld", (long long)(far - now));
    cr_expect(past < now &&
              now - past <= (int64_t)(TIMEBASE_MAX_SPAN_S * 1e9) + 1000000000);
    cr_expect(nan_ < now);
}
