/*
 * log: one levelled, printf-checked logger for the whole program (as
 * Unbound's util/log.h). Messages go to stderr with a level prefix; the
 * level is process-wide and may be changed at start-up only. Thread-safe:
 * each message is written with one fprintf call, which stdio locks.
 */
#ifndef DP_LOG_H
#define DP_LOG_H

enum dp_log_level { DP_LOG_ERR = 0, DP_LOG_WARN, DP_LOG_INFO, DP_LOG_DEBUG };

void log_set_level(enum dp_log_level level);
enum dp_log_level log_get_level(void);
void log_msg(enum dp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...)   log_msg(DP_LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(DP_LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(DP_LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(DP_LOG_DEBUG, __VA_ARGS__)

#endif
