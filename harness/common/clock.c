/*
 * clock: kernel NTP state and a one-shot SNTP client (see clock.h).
 *
 * The SNTP exchange follows RFC 4330 section 5: one 48-byte client
 * request, one validated reply, offset and delay from the four
 * timestamps. T1 comes from the realtime clock because it must be
 * comparable with the server's T2/T3, but T4 is T1 plus the round trip
 * measured on the monotonic clock, so a step of the realtime clock
 * between send and receive (for instance by the NTP daemon we are
 * checking) cannot turn into a bogus offset or a negative delay.
 */
#include <errno.h>
#include <math.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <unistd.h>

#include "harness/common/clock.h"
#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"

/* The kernel caps maxerror at NTP_PHASE_LIMIT (16 s, kernel/time/ntp.c)
 * and sets STA_UNSYNC beyond it: a maxerror this large is not a bound. */
#define KERNEL_MAXERROR_CAP_S 16.0

/* Packet layout, RFC 5905 section 7.3 figure 8. */
#define PKT_STRATUM 1
#define PKT_REFID   12
#define PKT_ORG     24
#define PKT_REC     32
#define PKT_XMT     40

#define NTP_MODE_CLIENT 3
#define NTP_MODE_SERVER 4
#define NTP_VERSION     4
#define NTP_LI_ALARM    3
#define NTP_MAX_STRATUM 15

const char *clock_state_str(int state)
{
    switch (state) {
    case TIME_OK:
        return "TIME_OK";
    case TIME_INS:
        return "TIME_INS";
    case TIME_DEL:
        return "TIME_DEL";
    case TIME_OOP:
        return "TIME_OOP";
    case TIME_WAIT:
        return "TIME_WAIT";
    case TIME_ERROR:
        return "TIME_ERROR";
    default:
        return "unknown";
    }
}

/* ---- timestamps ---------------------------------------------------------- */

uint64_t clock_ntp_from_unix_ns(int64_t unix_ns)
{
    int64_t sec = unix_ns / TB_NS_PER_S;
    int64_t rem = unix_ns % TB_NS_PER_S;
    uint64_t frac;

    if (rem < 0) {
        rem += TB_NS_PER_S;
        sec--;
    }
    /* rem < 1e9, so rem * 2^32 < 4.3e18 fits in 64 bits; the largest
     * result is 4294967292, so rounding never carries into the seconds. */
    frac = (((uint64_t)rem << 32) + (uint64_t)TB_NS_PER_S / 2) / (uint64_t)TB_NS_PER_S;
    /* Era 0 is seconds since 1900 modulo 2^32 (RFC 5905 section 6). */
    return (((uint64_t)sec + CLOCK_NTP_UNIX_OFFSET) & UINT32_MAX) << 32 | frac;
}

int64_t clock_ntp_to_unix_ns(uint64_t ntp)
{
    uint64_t sec = ntp >> 32;
    uint64_t frac = ntp & UINT32_MAX;
    int64_t unix_s;
    int64_t ns;

    /* RFC 4330 section 3: with the top bit clear the time is in era 1
     * (from 2036-02-07 06:28:16 UTC on), so the 32-bit field keeps
     * working until 2104. */
    if ((sec & UINT64_C(0x80000000)) != 0)
        unix_s = (int64_t)sec - (int64_t)CLOCK_NTP_UNIX_OFFSET;
    else
        unix_s = (int64_t)sec + (INT64_C(1) << 32) - (int64_t)CLOCK_NTP_UNIX_OFFSET;
    ns = (int64_t)((frac * (uint64_t)TB_NS_PER_S + (UINT64_C(1) << 31)) >> 32);
    return unix_s * TB_NS_PER_S + ns;
}

/* a - b as a signed 32.32 quantity: the two's complement difference is
 * right across an era wrap as long as |a - b| < 68 years (RFC 5905
 * section 6). Written out to stay clear of implementation-defined
 * unsigned-to-signed conversion. */
static double ntp_diff_s(uint64_t a, uint64_t b)
{
    uint64_t d = a - b;
    double v;

    if (d <= (uint64_t)INT64_MAX)
        v = (double)d;
    else
        v = -(double)(~d) - 1.0;
    return ldexp(v, -32);
}

void clock_sntp_compute(uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4,
                        double *offset_s, double *delay_s)
{
    /* Differences first, sums after, as RFC 5905 section 8 advises, so
     * no intermediate overflows. */
    if (offset_s != NULL)
        *offset_s = (ntp_diff_s(t2, t1) + ntp_diff_s(t3, t4)) / 2;
    if (delay_s != NULL)
        *delay_s = ntp_diff_s(t4, t1) - ntp_diff_s(t3, t2);
}

/* ---- packets ------------------------------------------------------------- */

static void put_u64(uint8_t *p, uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void clock_sntp_request(uint8_t pkt[CLOCK_NTP_PACKET_LEN], uint64_t xmt)
{
    memset(pkt, 0, CLOCK_NTP_PACKET_LEN);
    pkt[0] = (uint8_t)(0 << 6 | NTP_VERSION << 3 | NTP_MODE_CLIENT);
    /* RFC 4330 section 5: the server copies this into the reply's
     * originate field, which is how we match the reply to the request. */
    put_u64(pkt + PKT_XMT, xmt);
}

static const char *kiss_hint(const char *kiss)
{
    /* RFC 5905 section 7.4 kiss codes that call for a different action. */
    if (strcmp(kiss, "RATE") == 0)
        return "the server asks to query less often";
    if (strcmp(kiss, "DENY") == 0 || strcmp(kiss, "RSTR") == 0)
        return "the server denies access to this client";
    return "the server refuses to serve time now";
}

int clock_sntp_parse_reply(const uint8_t *buf, size_t len, uint64_t sent_xmt,
                           clock_ntp_reply_t *out, char *err, size_t errlen)
{
    clock_ntp_reply_t r;
    int ret = 0;
    int i;

    memset(&r, 0, sizeof(r));
    if (errlen > 0)
        err[0] = '\0';
    if (len < CLOCK_NTP_PACKET_LEN) {
        snprintf(err, errlen, "short reply (%zu bytes, want at least %d)", len,
                 CLOCK_NTP_PACKET_LEN);
        ret = -EBADMSG;
        goto out;
    }
    r.li = buf[0] >> 6;
    r.vn = (buf[0] >> 3) & 7;
    r.mode = buf[0] & 7;
    r.stratum = buf[PKT_STRATUM];
    r.refid = (uint32_t)buf[PKT_REFID] << 24 | (uint32_t)buf[PKT_REFID + 1] << 16 |
              (uint32_t)buf[PKT_REFID + 2] << 8 | buf[PKT_REFID + 3];
    r.org = get_u64(buf + PKT_ORG);
    r.rec = get_u64(buf + PKT_REC);
    r.xmt = get_u64(buf + PKT_XMT);
    /* Anti-spoofing first (RFC 4330 section 5): a reply that does not echo
     * our transmit timestamp is stale or forged and tells us nothing, not
     * even that the server refuses us. */
    if (r.org != sent_xmt) {
        snprintf(err, errlen, "%s",
                 "originate timestamp is not our transmit timestamp (stale or spoofed)");
        ret = -EPROTO;
        goto out;
    }
    if (r.vn == 0 || r.mode != NTP_MODE_SERVER) {
        snprintf(err, errlen, "not a server reply (version %d, mode %d, want mode 4)",
                 r.vn, r.mode);
        ret = -EBADMSG;
        goto out;
    }
    /* Stratum 0 is a Kiss-o'-Death; its reference ID is a 4-character
     * ASCII code (RFC 4330 section 8, RFC 5905 section 7.4). */
    for (i = 0; i < 4; i++) {
        uint8_t ch = buf[PKT_REFID + i];
        r.kiss[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    r.kiss[4] = '\0';
    if (r.stratum == 0) {
        snprintf(err, errlen, "kiss-o'-death %s: %s", r.kiss, kiss_hint(r.kiss));
        ret = -ECONNREFUSED;
        goto out;
    }
    r.kiss[0] = '\0';
    if (r.li == NTP_LI_ALARM || r.stratum > NTP_MAX_STRATUM) {
        snprintf(err, errlen,
                 "the server is not synchronised (leap indicator %d, stratum %d)", r.li,
                 r.stratum);
        ret = -EAGAIN;
        goto out;
    }
    if (r.xmt == 0) {
        snprintf(err, errlen, "%s", "transmit timestamp is zero");
        ret = -EBADMSG;
        goto out;
    }
out:
    if (out != NULL)
        *out = r;
    return ret;
}

/* ---- HOST[:PORT] -------------------------------------------------------- */

static int copy_part(char *dst, size_t dstlen, const char *src, size_t n)
{
    if (n == 0 || n >= dstlen)
        return DP_EPARSE;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

int clock_parse_server(const char *s, char *host, size_t hostlen, char *port,
                       size_t portlen)
{
    const char *port_s = NULL;
    uint16_t p;
    int ret;

    if (s == NULL || *s == '\0')
        return DP_EPARSE;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return DP_EPARSE;
        ret = copy_part(host, hostlen, s + 1, (size_t)(close - s - 1));
        if (ret < 0)
            return ret;
        if (close[1] == ':')
            port_s = close + 2;
        else if (close[1] != '\0')
            return DP_EPARSE;
    } else {
        const char *colon = strchr(s, ':');
        /* One colon separates the port; more is a bare IPv6 literal,
         * which cannot carry a port without brackets. */
        if (colon != NULL && strchr(colon + 1, ':') == NULL) {
            ret = copy_part(host, hostlen, s, (size_t)(colon - s));
            port_s = colon + 1;
        } else {
            ret = copy_part(host, hostlen, s, strlen(s));
        }
        if (ret < 0)
            return ret;
    }
    if (port_s == NULL) {
        port_s = CLOCK_NTP_PORT;
    } else {
        ret = numparse_u16(port_s, &p);
        if (ret < 0)
            return ret;
        if (p == 0)
            return DP_ERANGE;
    }
    return copy_part(port, portlen, port_s, strlen(port_s));
}

/* ---- kernel ------------------------------------------------------------- */

static int read_kernel(clock_status_t *st)
{
    struct timex tx;
    int state;

    memset(&tx, 0, sizeof(tx));
    /* modes = 0: read only, needs no privilege (ntp_adjtime(3)). */
    state = ntp_adjtime(&tx);
    if (state < 0) {
        int ret = -errno;
        snprintf(st->kernel_error, sizeof(st->kernel_error), "ntp_adjtime: %s",
                 strerror(errno));
        return ret;
    }
    st->kernel_ok = true;
    st->state = state;
    st->kernel_status = tx.status;
    st->synchronised = (tx.status & STA_UNSYNC) == 0 && state != TIME_ERROR;
    /* offset is in microseconds unless the PLL runs in nanosecond mode. */
    st->kernel_offset_s = (double)tx.offset / ((tx.status & STA_NANO) != 0 ? 1e9 : 1e6);
    st->maxerror_s = (double)tx.maxerror / 1e6;
    st->esterror_s = (double)tx.esterror / 1e6;
    return 0;
}

/* ---- SNTP exchange ------------------------------------------------------ */

static void format_addr(const struct sockaddr *sa, socklen_t salen, char *buf, size_t len)
{
    /* Numeric only: an IPv6 literal with a %scope, a port number. */
    char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
    char serv[8];

    if (getnameinfo(sa, salen, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(buf, len, "%s", "?");
        return;
    }
    if (sa->sa_family == AF_INET6)
        snprintf(buf, len, "[%s]:%s", host, serv);
    else
        snprintf(buf, len, "%s:%s", host, serv);
}

/* Family, address and port; not memcmp, which would also compare the
 * IPv6 flow label and padding that the kernel need not fill alike. */
static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
    if (a->ss_family != b->sa_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)(const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)(const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return false;
}

/* One request to one address, waiting until deadline (monotonic ns).
 * Replies from elsewhere, short ones and ones that do not echo our
 * transmit timestamp are discarded and we keep waiting: accepting them
 * would let anyone on the path feed us a time (RFC 4330 section 5). */
static int exchange(clock_status_t *st, const struct addrinfo *ai, int64_t deadline,
                    char *err, size_t errlen)
{
    uint8_t pkt[CLOCK_NTP_PACKET_LEN];
    uint8_t buf[1024];
    char discarded[120] = "";
    clock_ntp_reply_t reply;
    int64_t t1_real;
    int64_t m1;
    int64_t m4;
    uint64_t xmt;
    int fd;
    int ret;

    fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ret = -errno;
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return ret;
    }
    /* Connected: the kernel drops datagrams from other peers and reports
     * ICMP port unreachable as ECONNREFUSED on recv. */
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        ret = -errno;
        snprintf(err, errlen, "connect: %s", strerror(errno));
        goto out;
    }
    t1_real = timebase_real_ns();
    m1 = timebase_mono_ns();
    xmt = clock_ntp_from_unix_ns(t1_real);
    clock_sntp_request(pkt, xmt);
    if (send(fd, pkt, sizeof(pkt), 0) < 0) {
        ret = -errno;
        snprintf(err, errlen, "send: %s", strerror(errno));
        goto out;
    }
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        struct sockaddr_storage from;
        socklen_t fromlen = sizeof(from);
        int64_t left = deadline - timebase_mono_ns();
        ssize_t n;

        if (left <= 0) {
            ret = -ETIMEDOUT;
            snprintf(err, errlen, "no valid reply in time%s%s",
                     discarded[0] != '\0' ? "; discarded: " : "", discarded);
            goto out;
        }
        /* Round up so that we never spin on a 0 ms poll. */
        ret = poll(&pfd, 1, (int)((left + TB_NS_PER_MS - 1) / TB_NS_PER_MS));
        if (ret < 0 && errno == EINTR)
            continue;
        if (ret < 0) {
            ret = -errno;
            snprintf(err, errlen, "poll: %s", strerror(errno));
            goto out;
        }
        if (ret == 0)
            continue; /* the deadline check above reports it */
        n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
        m4 = timebase_mono_ns();
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0 && errno == ECONNREFUSED) {
            ret = -ECONNREFUSED;
            snprintf(err, errlen, "%s",
                     "connection refused (ICMP port unreachable: is an NTP server "
                     "listening there?)");
            goto out;
        }
        if (n < 0) {
            ret = -errno;
            snprintf(err, errlen, "recv: %s", strerror(errno));
            goto out;
        }
        if (!same_addr(&from, ai->ai_addr)) {
            snprintf(discarded, sizeof(discarded), "%s", "a reply from another address");
            continue;
        }
        ret = clock_sntp_parse_reply(buf, (size_t)n, xmt, &reply, discarded,
                                     sizeof(discarded));
        if (ret == -EPROTO || (size_t)n < CLOCK_NTP_PACKET_LEN)
            continue;
        if (ret < 0) {
            snprintf(err, errlen, "%s", discarded);
            goto out;
        }
        break;
    }
    st->sntp_stratum = reply.stratum;
    clock_sntp_compute(xmt, reply.rec, reply.xmt,
                       clock_ntp_from_unix_ns(t1_real + m4 - m1), &st->sntp_offset_s,
                       &st->sntp_delay_s);
    ret = 0;
out:
    close(fd);
    return ret;
}

/* snprintf where truncation is accepted (and not worth a warning). */
__attribute__((format(printf, 3, 4))) static void textf(char *dst, size_t len,
                                                        const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(dst, len, fmt, ap);
    va_end(ap);
}

static int read_sntp(clock_status_t *st, const char *server, int timeout_ms)
{
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    const struct addrinfo *ai;
    char host[NI_MAXHOST];
    char port[8];
    char err[sizeof(st->sntp_error)] = "";
    int64_t deadline;
    int ret;

    snprintf(st->sntp_server, sizeof(st->sntp_server), "%s", server);
    ret = clock_parse_server(server, host, sizeof(host), port, sizeof(port));
    if (ret < 0) {
        snprintf(st->sntp_error, sizeof(st->sntp_error),
                 "'%s' is not HOST[:PORT] (port 1..65535, IPv6 as [addr]:port)", server);
        goto out;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    hints.ai_flags = AI_NUMERICSERV;
    ret = getaddrinfo(host, port, &hints, &res);
    if (ret != 0) {
        snprintf(st->sntp_error, sizeof(st->sntp_error), "%s: cannot resolve: %s", server,
                 gai_strerror(ret));
        ret = ret == EAI_SYSTEM ? -errno : DP_EBADADDR;
        goto out;
    }
    /* Resolution is not counted: the timeout bounds the exchange. */
    deadline = timebase_mono_ns() + (int64_t)timeout_ms * TB_NS_PER_MS;
    ret = -ETIMEDOUT;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        format_addr(ai->ai_addr, ai->ai_addrlen, st->sntp_server,
                    sizeof(st->sntp_server));
        ret = exchange(st, ai, deadline, err, sizeof(err));
        /* A refusal from one address of a name (say ::1 of localhost when
         * the server binds 127.0.0.1) is no reason to give up; a timeout
         * has used the whole budget. */
        if (ret == 0 || ret == -ETIMEDOUT)
            break;
    }
    if (ret < 0) {
        /* 160 bytes is the interface; a long name may cut the reason. */
        textf(st->sntp_error, sizeof(st->sntp_error), "%s: %s", st->sntp_server, err);
        goto out;
    }
    st->sntp_ok = true;
out:
    if (res != NULL)
        freeaddrinfo(res);
    return ret;
}

int clock_read(clock_status_t *st, const char *ntp_server, int timeout_ms)
{
    int ret = 0;
    int sret;

    memset(st, 0, sizeof(*st));
    st->at = timebase_real_s();
    ret = read_kernel(st);
    if (ntp_server != NULL) {
        st->sntp_used = true;
        sret = read_sntp(st, ntp_server, timeout_ms > 0 ? timeout_ms : 1000);
        if (ret == 0)
            ret = sret;
    }
    return ret;
}

/* ---- reporting ---------------------------------------------------------- */

json_t *clock_status_json(const clock_status_t *st)
{
    json_t *o = json_object();
    bool k = st->kernel_ok;
    bool s = st->sntp_ok;

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "at", json_real(st->at));
    json_object_set_new(o, "kernel_ok", json_boolean(k));
    json_object_set_new(o, "kernel_error",
                        k ? json_null() : json_string(st->kernel_error));
    json_object_set_new(o, "synchronised", json_boolean(st->synchronised));
    json_object_set_new(o, "state", k ? json_integer(st->state) : json_null());
    json_object_set_new(o, "state_name",
                        k ? json_string(clock_state_str(st->state)) : json_null());
    json_object_set_new(o, "kernel_status",
                        k ? json_integer(st->kernel_status) : json_null());
    json_object_set_new(o, "kernel_offset_s",
                        k ? json_real(st->kernel_offset_s) : json_null());
    json_object_set_new(o, "maxerror_s", k ? json_real(st->maxerror_s) : json_null());
    json_object_set_new(o, "esterror_s", k ? json_real(st->esterror_s) : json_null());
    json_object_set_new(o, "sntp_used", json_boolean(st->sntp_used));
    json_object_set_new(o, "sntp_ok", json_boolean(s));
    json_object_set_new(o, "sntp_server",
                        st->sntp_used ? json_string(st->sntp_server) : json_null());
    json_object_set_new(o, "sntp_error",
                        st->sntp_used && !s ? json_string(st->sntp_error) : json_null());
    json_object_set_new(o, "sntp_offset_s",
                        s ? json_real(st->sntp_offset_s) : json_null());
    json_object_set_new(o, "sntp_delay_s", s ? json_real(st->sntp_delay_s) : json_null());
    json_object_set_new(o, "sntp_stratum",
                        s ? json_integer(st->sntp_stratum) : json_null());
    if (json_object_size(o) != 17) {
        /* A failed set_new means ENOMEM; a partial object would break
         * the contract silently. */
        json_decref(o);
        return NULL;
    }
    return o;
}

int clock_check(const clock_status_t *st, double max_offset_ms, char *msg, size_t len)
{
    char src[200];
    double off_ms;
    double abs_ms;

    if (len > 0)
        msg[0] = '\0';
    if (!(max_offset_ms > 0)) {
        snprintf(msg, len, "%s", "offset check disabled");
        return 0;
    }
    if (st->sntp_ok) {
        off_ms = st->sntp_offset_s * 1e3;
        snprintf(src, sizeof(src), "measured by SNTP against %s", st->sntp_server);
    } else if (st->kernel_ok) {
        off_ms = st->kernel_offset_s * 1e3;
        snprintf(src, sizeof(src), "kernel PLL offset%s%s",
                 st->synchronised ? "" : ", clock not synchronised",
                 st->sntp_used ? ", SNTP failed" : "");
    } else {
        snprintf(msg, len,
                 "no clock offset could be measured (%s%s%s); give a reachable "
                 "--ntp-server or fix the kernel clock access",
                 st->kernel_error, st->sntp_used ? "; " : "",
                 st->sntp_used ? st->sntp_error : "");
        return -ENODATA;
    }
    abs_ms = fabs(off_ms);
    if (abs_ms <= max_offset_ms) {
        snprintf(msg, len, "offset %+.6f ms (%s) within %g ms", off_ms, src,
                 max_offset_ms);
        return 0;
    }
    snprintf(msg, len,
             "clock offset %+.6f ms (%s) exceeds the limit of %g ms by %.6f ms: "
             "timestamps taken here are off by that much against other hosts; "
             "synchronise the clock (e.g. 'chronyc makestep', check 'chronyc "
             "tracking') or raise the limit",
             off_ms, src, max_offset_ms, abs_ms - max_offset_ms);
    return -ERANGE;
}

void clock_warn_if_unsynced(const clock_status_t *st)
{
    if (!st->kernel_ok) {
        log_warn("cannot read the kernel clock state (%s): nothing vouches for this "
                 "host's timestamps when they are compared across hosts",
                 st->kernel_error);
        return;
    }
    if (st->synchronised)
        return;
    log_warn("kernel clock is not synchronised (state %s, status 0x%x): timestamps "
             "compared across hosts (start_time from other hosts, observed_at here) may "
             "be off by up to maxerror %.3f s%s; run an NTP client (e.g. chrony) or "
             "measure the offset with 'dnsprop clock --ntp-server HOST'",
             clock_state_str(st->state), (unsigned)st->kernel_status, st->maxerror_s,
             st->maxerror_s >= KERNEL_MAXERROR_CAP_S
                 ? " (the kernel's ceiling: the real error is unbounded)"
                 : "");
}
