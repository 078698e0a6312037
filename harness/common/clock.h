/*
 * clock: how far can this host's wall clock be trusted?
 *
 * dnsprop stores realtime timestamps (start_time, observed_at) and compares
 * them with timestamps taken on other hosts, so a propagation delay is only
 * as good as the clocks behind it. This module reads the kernel's NTP
 * discipline state (ntp_adjtime(2), read-only) and, on request, measures
 * the offset against an NTP server with one SNTP exchange (RFC 4330,
 * packet format of RFC 5905 section 7.3).
 *
 * The pure helpers (timestamp conversion, offset arithmetic, reply
 * validation, HOST[:PORT] parsing) are public so that they can be tested
 * without a network.
 *
 * Ownership: clock_status_t is a plain value owned by the caller.
 * Thread-safety: every function is thread-safe (no global state; each
 * clock_read() uses its own socket); log calls go through log.h.
 */
#ifndef DP_CLOCK_H
#define DP_CLOCK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOCK_NTP_PORT       "123"
#define CLOCK_NTP_PACKET_LEN 48
/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (RFC 5905 figure 4). */
#define CLOCK_NTP_UNIX_OFFSET UINT64_C(2208988800)

typedef struct {
    double at;              /* epoch seconds (realtime) when read */
    bool kernel_ok;         /* ntp_adjtime() worked */
    bool synchronised;      /* kernel: !(status & STA_UNSYNC) and state != TIME_ERROR */
    int state;              /* ntp_adjtime() return: TIME_OK, TIME_ERROR, ... */
    double kernel_offset_s; /* timex.offset (mind STA_NANO: ns vs us) */
    double maxerror_s;      /* timex.maxerror (us) */
    double esterror_s;      /* timex.esterror (us) */
    bool sntp_used;         /* a server was given */
    bool sntp_ok;
    char sntp_server[128]; /* "127.0.0.1:12345" as resolved */
    char sntp_error[160];  /* why not ok */
    double sntp_offset_s;  /* RFC 4330 theta = ((T2-T1)+(T3-T4))/2 */
    double sntp_delay_s;   /* delta = (T4-T1)-(T3-T2) */
    int sntp_stratum;
    /* additions */
    int kernel_status;     /* timex.status bits (STA_*) */
    char kernel_error[96]; /* why ntp_adjtime() failed, when !kernel_ok */
} clock_status_t;

/* Read the kernel NTP state and, when ntp_server ("HOST[:PORT]", port 123
 * by default, IPv6 as [addr]:port) is not NULL, do one SNTP exchange with
 * it (timeout_ms, 1000 when <= 0, bounds the exchange, including falling
 * back to further addresses of HOST, but not the name resolution, which
 * getaddrinfo() bounds itself). st is always filled as far
 * as it could be. Returns 0 when the kernel read and (if asked) the SNTP
 * exchange worked, else the negative code of the first failure (the
 * reason is also in st->kernel_error / st->sntp_error). */
int clock_read(clock_status_t *st, const char *ntp_server, int timeout_ms);
/* JSON object (jansson) with every field; caller json_decref()s. Values
 * that were not measured are null. NULL on ENOMEM. */
json_t *clock_status_json(const clock_status_t *st);
/* 0 when |offset| <= max_offset_ms (the SNTP offset when measured, else
 * the kernel offset); otherwise -ERANGE and msg says what, by how much,
 * and what to do. max_offset_ms <= 0 disables the check (returns 0).
 * -ENODATA when neither offset could be read (msg says why). msg may be
 * NULL when len is 0; on 0 it holds a short "ok" summary. */
int clock_check(const clock_status_t *st, double max_offset_ms, char *msg, size_t len);
/* Log a warning (log_warn) when the kernel clock is not synchronised (or
 * its state cannot be read), naming the consequence for timestamps
 * compared across hosts. Silent when synchronised. */
void clock_warn_if_unsynced(const clock_status_t *st);

/* ---- pure helpers (exposed for tests) -------------------------------- */

/* "TIME_OK", "TIME_INS", ..., "TIME_ERROR", or "unknown". */
const char *clock_state_str(int state);

/* Unix time in nanoseconds (>= 0) to a 64-bit NTP timestamp (32-bit
 * seconds since 1900 modulo 2^32, i.e. era 0 until 2036, and a 32-bit
 * fraction rounded to nearest). */
uint64_t clock_ntp_from_unix_ns(int64_t unix_ns);
/* NTP timestamp to Unix nanoseconds, fraction rounded to nearest. The era
 * is inferred as RFC 4330 section 3 says: seconds with the top bit set
 * are 1968..2036 (era 0), without it 2036..2104 (era 1). */
int64_t clock_ntp_to_unix_ns(uint64_t ntp);
/* RFC 4330 section 5: theta = ((T2-T1)+(T3-T4))/2, delta =
 * (T4-T1)-(T3-T2), seconds. Differences are taken first in 64-bit
 * two's complement, so an era wrap between the timestamps is harmless
 * (RFC 5905 section 6). Either output may be NULL. */
void clock_sntp_compute(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4,
                        double *offset_s, double *delay_s);

/* The fields of a server reply that the client uses. */
typedef struct {
    int li;
    int vn;
    int mode;
    int stratum;
    uint32_t refid;
    char kiss[5]; /* refid as 4 printable characters when stratum is 0 */
    uint64_t org; /* originate: our T1 echoed back */
    uint64_t rec; /* T2, server receive time */
    uint64_t xmt; /* T3, server transmit time */
} clock_ntp_reply_t;

/* Fill pkt with a client request (LI=0, VN=4, Mode=3) whose transmit
 * timestamp is xmt; every other field zero (RFC 4330 section 5). */
void clock_sntp_request(uint8_t pkt[CLOCK_NTP_PACKET_LEN], uint64_t xmt);
/* Validate a reply to the request whose transmit timestamp was sent_xmt
 * and decode it into out (filled as far as parsed, may be NULL). Returns
 * 0, or with a reason in err (may be NULL when errlen is 0):
 *   -EBADMSG      shorter than 48 bytes, VN 0, mode not 4 (server), or
 *                 transmit timestamp zero
 *   -EPROTO       originate timestamp is not our transmit timestamp
 *                 (stale or spoofed, RFC 4330 section 5): discard
 *   -ECONNREFUSED stratum 0, a Kiss-o'-Death (out->kiss holds the code)
 *   -EAGAIN       the server is not synchronised (LI=3 or stratum > 15)
 */
int clock_sntp_parse_reply(const uint8_t *buf, size_t len, uint64_t sent_xmt,
                           clock_ntp_reply_t *out, char *err, size_t errlen);

/* Split "HOST[:PORT]" ("[v6]:port", a bare IPv6 literal without port, a
 * name or IPv4 literal with an optional ":port") into host and a decimal
 * port string (default 123). 0, DP_EPARSE (syntax, empty host, too long)
 * or DP_ERANGE (port not in 1..65535). */
int clock_parse_server(const char *s, char *host, size_t hostlen, char *port,
                       size_t portlen);

#endif
