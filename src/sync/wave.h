/* Sync waves: the wave an object runs in, and the pause between waves. */
#pragma once

#include <stdint.h>

#include "value/value.h"

/*
 * Argo CD waits between waves so that controllers can react to what the last wave changed
 * (ARGOCD_SYNC_WAVE_DELAY, 2 seconds). The operation runner sleeps this long, or the delay its
 * configuration names, after each wave that applied something.
 */
#define CAP_SYNC_WAVE_DELAY_MS 2000

/*
 * The wave of obj: argocd.argoproj.io/sync-wave, an integer that may be negative ("-1", "+2";
 * no spaces, as Go's strconv.Atoi reads it); without it helm.sh/hook-weight read the same way (an
 * unreadable weight counts as 0, as Helm's does); else 0. An unreadable sync-wave is CAP_EINVALID
 * naming the object: "invalid sync wave 'soon' on 'ConfigMap default/settings'". *out is left
 * alone on failure.
 */
int cap_sync_wave_of(int64_t *out, const cap_value *obj);
