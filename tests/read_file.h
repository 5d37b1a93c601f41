/* One whole-file reader for the test programs and their helper tools
 * (golden data, model files to mutate, raw captures). Header-only, as
 * harness.h, so each program stays one file. */
#ifndef SSM_TEST_READ_FILE_H
#define SSM_TEST_READ_FILE_H

#include <stdio.h>
#include <stdlib.h>

/* The bytes of path in a malloc'd buffer (one spare byte, so an empty file
 * still gets one) and their count, or NULL when it cannot be opened or
 * read. */
static inline void *th_read_file(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    unsigned char *b = NULL;
    if (len >= 0 && fseek(f, 0, SEEK_SET) == 0)
        b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b)
        *n = (size_t)len;
    return b;
}

#endif
