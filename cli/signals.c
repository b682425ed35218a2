/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/signals.h"
#include "core/base/cleanup.h"

static const struct {
        const char *name;
        int num;
} sigs[] = {
        { "HUP", SIGHUP },     { "INT", SIGINT },       { "QUIT", SIGQUIT },   { "ILL", SIGILL },
        { "TRAP", SIGTRAP },   { "ABRT", SIGABRT },     { "IOT", SIGIOT },     { "BUS", SIGBUS },
        { "FPE", SIGFPE },     { "KILL", SIGKILL },     { "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },     { "ALRM", SIGALRM },   { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },   { "CONT", SIGCONT },   { "STOP", SIGSTOP },
        { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU },   { "URG", SIGURG },
        { "XCPU", SIGXCPU },   { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
        { "WINCH", SIGWINCH }, { "IO", SIGIO },         { "POLL", SIGPOLL },   { "PWR", SIGPWR },
        { "SYS", SIGSYS },
};

/* As containerd's ParseSignal: a number, or a name with or without "SIG", any case. */
int signal_parse(const char *s, int *ret, struct tc_err **err)
{
        const char *name = s;
        char *end = NULL;
        long n;

        if (!s || !*s)
                return tc_fail(err, TC_INVALID_ARGUMENT, "empty signal");
        if (isdigit((unsigned char) s[0])) {
                n = strtol(s, &end, 10);
                if (*end || n < 1 || n > 64)
                        return tc_fail(err, TC_INVALID_ARGUMENT, "invalid signal \"%s\"", s);
                *ret = (int) n;
                return 0;
        }
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
                if (strcasecmp(name, sigs[i].name) == 0) {
                        *ret = sigs[i].num;
                        return 0;
                }
        }
        return tc_fail(err, TC_INVALID_ARGUMENT, "invalid signal \"%s\"", s);
}

void signals_reset_inherited(void)
{
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t none;

        /* Whatever our parent ignored or blocked is not ours: with SIGCHLD
         * ignored the kernel reaps our children (the shim's `start`) itself
         * and waitpid fails with ECHILD; a blocked SIGTERM would make us
         * unkillable by a service manager's stop. SIGPIPE goes back to its
         * default too, as for any CLI: `taskctl list | head` ends quietly
         * (our writes to shims and child pipes never raise it: MSG_NOSIGNAL,
         * and proc.c blocks it around writes to a child's stdin). */
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) sigaction(sig, &dfl, NULL);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
}

int signal_stop(const char *label_value, int *ret, struct tc_err **err)
{
        if (!label_value || !*label_value) {
                *ret = SIGTERM;
                return 0;
        }
        if (signal_parse(label_value, ret, err) < 0)
                return tc_wrap(err, "label %s", SIGNAL_STOP_LABEL);
        return 0;
}
