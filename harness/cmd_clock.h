/*
 * cmd_clock: `dnsprop clock`, how far this host's clock can be trusted
 * (see clock.h). To be merged into cmd.h.
 */
#ifndef DP_CMD_CLOCK_H
#define DP_CMD_CLOCK_H

/* argv[0] is "clock"; returns the exit status: 0 fine, 1 the offset
 * exceeds --max-offset-ms, 2 the SNTP exchange or ntp_adjtime() failed,
 * 64 usage error. */
int cmd_clock(int argc, char **argv);

#endif
