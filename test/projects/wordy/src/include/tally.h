#ifndef TALLY_H
#define TALLY_H
#include <stddef.h>
size_t tally_words(const char *s);
#endif
