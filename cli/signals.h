/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "core/base/err.h"

/* "SIGTERM", "term", "15" -> 15; anything else TC_INVALID_ARGUMENT. */
int signal_parse(const char *s, int *ret, struct tc_err **err);

/* Resets every signal disposition to SIG_DFL and empties the signal mask, at
 * the start of main(): taskctl does not inherit its parent's choices. */
void signals_reset_inherited(void);
/* The label containerd's client sets from an image's StopSignal (as
 * containerd.GetStopSignal reads it). */
#define SIGNAL_STOP_LABEL "io.containerd.image.config.stop-signal"
/* The signal `stop` sends first: LABEL_VALUE (the record's SIGNAL_STOP_LABEL,
 * NULL when absent or empty: SIGTERM). A value that names no signal is
 * TC_INVALID_ARGUMENT naming the label. */
int signal_stop(const char *label_value, int *ret, struct tc_err **err);
