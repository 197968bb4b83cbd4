/* SPDX-License-Identifier: MIT */
/* The page answered at / when zeroserve runs with no routes. */
#ifndef ZS_WELCOME_H
#define ZS_WELCOME_H

#include <stddef.h>

extern const char welcome_html[];
extern const size_t welcome_html_len;

#endif
