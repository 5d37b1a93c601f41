/* Corpus replay: runs the fuzz target over every file named on the command
 * line, so the normal (non-clang) builds and the sanitizer build check the
 * corpus without libFuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../read_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    int n = 0;
    for (int i = 1; i < argc; i++) {
        size_t got;
        uint8_t *buf = th_read_file(argv[i], &got);
        if (!buf) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        n++;
    }
    printf("replayed %d corpus files through the fuzz target: no crash\n", n);
    return n > 0 ? 0 : 1;
}
