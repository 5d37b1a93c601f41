/* model_edit: a safetensors model file with one thing changed, for the
 * fault tests (a bad metadata value, a NaN weight) without Python.
 *
 *   model_edit IN OUT [meta KEY VALUE | drop KEY | poke TENSOR INDEX VALUE]...
 *
 * meta sets a "__metadata__" string, drop removes one, poke sets element
 * INDEX of an F32 tensor to VALUE ("nan", "inf", "1e30", ...). Everything
 * else is copied as it was; the header is re-written compactly and padded
 * to 8 bytes, as the safetensors writer does. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../read_file.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: model_edit IN OUT [meta K V | drop K | poke T I V]...\n");
        return 2;
    }
    size_t n = 0;
    unsigned char *b = th_read_file(argv[1], &n);
    if (!b || n < 8) {
        fprintf(stderr, "model_edit: cannot read %s\n", argv[1]);
        return 1;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | b[i];
    if (hlen > n - 8) {
        fprintf(stderr, "model_edit: %s: bad header length\n", argv[1]);
        return 1;
    }
    json_error_t je;
    json_t *root = json_loadb((const char *)b + 8, (size_t)hlen, 0, &je);
    if (!root) {
        fprintf(stderr, "model_edit: %s: %s\n", argv[1], je.text);
        return 1;
    }
    unsigned char *data = b + 8 + hlen;
    json_t *meta = json_object_get(root, "__metadata__");
    if (!meta) {
        meta = json_object();
        json_object_set_new(root, "__metadata__", meta);
    }
    for (int a = 3; a < argc;) {
        if (strcmp(argv[a], "meta") == 0 && a + 2 < argc) {
            json_object_set_new(meta, argv[a + 1], json_string(argv[a + 2]));
            a += 3;
        } else if (strcmp(argv[a], "drop") == 0 && a + 1 < argc) {
            json_object_del(meta, argv[a + 1]);
            a += 2;
        } else if (strcmp(argv[a], "poke") == 0 && a + 3 < argc) {
            json_t *t = json_object_get(root, argv[a + 1]);
            json_t *dt = json_object_get(t, "dtype");
            json_t *off = json_object_get(t, "data_offsets");
            if (!t || !json_is_string(dt) || strcmp(json_string_value(dt), "F32") != 0 || !off) {
                fprintf(stderr, "model_edit: no F32 tensor \"%s\"\n", argv[a + 1]);
                return 1;
            }
            uint64_t begin = (uint64_t)json_integer_value(json_array_get(off, 0));
            uint64_t end = (uint64_t)json_integer_value(json_array_get(off, 1));
            uint64_t at = begin + 4 * strtoull(argv[a + 2], NULL, 10);
            if (at + 4 > end || 8 + hlen + end > n) {
                fprintf(stderr, "model_edit: %s[%s] is out of range\n", argv[a + 1], argv[a + 2]);
                return 1;
            }
            float v = strtof(argv[a + 3], NULL);
            uint32_t bits;
            memcpy(&bits, &v, sizeof bits);
            for (int k = 0; k < 4; k++)
                data[at + (uint64_t)k] = (unsigned char)(bits >> (8 * k));
            a += 4;
        } else {
            fprintf(stderr, "model_edit: bad arguments at \"%s\"\n", argv[a]);
            return 2;
        }
    }
    char *hdr = json_dumps(root, JSON_COMPACT);
    size_t hl = strlen(hdr), padded = (hl + 7) & ~(size_t)7;
    FILE *o = fopen(argv[2], "wb");
    if (!o) {
        fprintf(stderr, "model_edit: cannot write %s\n", argv[2]);
        return 1;
    }
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    fwrite(len, 1, 8, o);
    fwrite(hdr, 1, hl, o);
    for (size_t i = hl; i < padded; i++)
        fputc(' ', o);
    fwrite(data, 1, n - 8 - hlen, o);
    int rc = fclose(o) == 0 ? 0 : 1;
    free(hdr);
    json_decref(root);
    free(b);
    return rc;
}
