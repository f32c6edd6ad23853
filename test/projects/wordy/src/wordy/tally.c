#include <string.h>
#include "tally.h"
#ifndef WORDY_SEPARATORS
#error "built without the project's define_macros"
#endif
size_t tally_words(const char *s)
{
    size_t n = 0;
    int in_word = 0;
    for (; *s; s++) {
        if (strchr(WORDY_SEPARATORS, *s)) in_word = 0;
        else if (!in_word) { in_word = 1; n++; }
    }
    return n;
}
