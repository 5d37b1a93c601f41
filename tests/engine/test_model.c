/* Model files: a numpy-written safetensors file (tests/golden/
 * make_model_files.py) loads with every tensor equal to numpy's widening,
 * and each defective file is refused with its own error naming the file,
 * the field and the reason. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <math.h>

#include "../harness.h"
#include "ssm/model.h"

static char golden[1024];

static const char *gpath(const char *name)
{
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(golden, sizeof golden, "%s/models/%s", dir ? dir : "tests/golden", name);
    return golden;
}

static void round_trip(void)
{
    ssm_error err = {0};
    ssm_model *m = ssm_model_load(gpath("roundtrip.safetensors"), &err);
    CHECK(m != NULL, "load roundtrip.safetensors: %s", err.message);
    if (!m)
        return;
    size_t n_ref = 0;
    float *ref = th_read_f32(gpath("roundtrip.expect.f32"), &n_ref);
    CHECK(ref != NULL, "read the numpy reference");
    CHECK(ssm_model_n_tensors(m) == 5, "5 tensors (got %zu)", ssm_model_n_tensors(m));
    /* Tensors come back sorted by name, as the reference concatenates them. */
    size_t total = 0;
    for (size_t i = 0; i < ssm_model_n_tensors(m); i++)
        total += ssm_model_tensor_at(m, i)->numel;
    CHECK(ref && total == n_ref, "element count %zu matches the reference %zu", total, n_ref);
    if (ref && total == n_ref) {
        float *got = malloc((total ? total : 1) * sizeof *got);
        size_t at = 0;
        for (size_t i = 0; i < ssm_model_n_tensors(m); i++) {
            const ssm_tensor *t = ssm_model_tensor_at(m, i);
            if (t->numel)
                memcpy(got + at, t->data, t->numel * sizeof *got);
            at += t->numel;
        }
        /* Widening is exact: F16 and BF16 values are representable in F32. */
        th_close_f("tensors (F32, F16, BF16) vs numpy", got, ref, total, 0.0);
        free(got);
    }
    free(ref);

    const ssm_tensor *c = ssm_model_tensor(m, "layers.1.C");
    CHECK(c && c->ndim == 4 && c->shape[0] == 2 && c->shape[3] == 3 && c->numel == 24,
          "layers.1.C is BF16 [2,2,2,3] with 24 elements");
    const ssm_tensor *s = ssm_model_tensor(m, "scale");
    CHECK(s && s->ndim == 0 && s->numel == 1 && s->data[0] == 0.125f, "rank-0 scalar 0.125");
    CHECK(ssm_model_tensor(m, "nope") == NULL, "an absent tensor is NULL");
    const char *sr = ssm_model_meta(m, "ssm.sample_rate");
    CHECK(sr && strcmp(sr, "48000") == 0, "metadata ssm.sample_rate = 48000 (got %s)",
          sr ? sr : "NULL");
    CHECK(ssm_model_meta(m, "nope") == NULL, "absent metadata is NULL");
    uint64_t want[2] = {3, 5}, wrong[2] = {5, 3};
    CHECK(ssm_model_require(m, "layers.0.A_log", 2, want, &err) != NULL, "require [3, 5]");
    CHECK(ssm_model_require(m, "layers.0.A_log", 2, wrong, &err) == NULL &&
              strstr(err.message, "shape [3, 5], expected [5, 3]") &&
              strstr(err.message, "roundtrip.safetensors"),
          "require with the wrong shape names file and both shapes (got \"%s\")", err.message);
    CHECK(ssm_model_require(m, "missing", 2, want, &err) == NULL &&
              strstr(err.message, "\"missing\": missing"),
          "require of an absent tensor (got \"%s\")", err.message);
    ssm_model_destroy(m);
}

/* A one-tensor file in memory: dtype, element size, raw little-endian data. */
static ssm_model *one_tensor(const char *dtype, const void *data, size_t n, size_t size,
                             ssm_error *err)
{
    char hdr[256];
    int hl = snprintf(hdr, sizeof hdr,
                      "{\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                      "\"layer.w\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[4,%zu]}}",
                      dtype, n, 4 + n * size);
    unsigned char buf[512];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, hdr, (size_t)hl);
    const float one = 1.0f;
    memcpy(buf + 8 + hl, &one, 4);
    memcpy(buf + 8 + hl + 4, data, n * size);
    return ssm_model_load_memory(buf, 8 + (size_t)hl + 4 + n * size, "weights", err);
}

/* A weight that is NaN or infinite makes every output NaN: refused at
 * load, naming the tensor and the element, in each dtype. */
static void non_finite(void)
{
    const float f32[3] = {0.5f, NAN, 2.0f}, inf32[2] = {INFINITY, 0.0f};
    const uint16_t f16[2] = {0x3c00, 0x7c00}, bf16[3] = {0x3f80, 0x3f80, 0x7fc0};
    const uint16_t f16_ok[2] = {0x3c00, 0xbc00};
    const struct {
        const char *dtype;
        const void *data;
        size_t n, size;
        const char *want;
    } cases[] = {{"F32", f32, 3, 4, "element 1 is NaN"},
                 {"F32", inf32, 2, 4, "element 0 is infinite"},
                 {"F16", f16, 2, 2, "element 1 is infinite"},
                 {"BF16", bf16, 3, 2, "element 2 is NaN"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ssm_error err = {0};
        ssm_model *m = one_tensor(cases[i].dtype, cases[i].data, cases[i].n, cases[i].size, &err);
        CHECK(m == NULL && strstr(err.message, "tensor \"layer.w\"") &&
                  strstr(err.message, cases[i].want) && strstr(err.message, "weights:"),
              "%s with a non-finite element: want \"%s\", got \"%s\"", cases[i].dtype,
              cases[i].want, err.message);
        printf("%-36s -> %s\n", cases[i].dtype, err.message);
        ssm_model_destroy(m);
    }
    ssm_error err = {0};
    ssm_model *m = one_tensor("F16", f16_ok, 2, 2, &err);
    CHECK(m != NULL, "finite F16 weights load: %s", err.message);
    ssm_model_destroy(m);
}

/* Paths that are not model files: refused at once, without reading
 * (/dev/zero never ends, a FIFO blocks until a writer comes), and a file
 * larger than any model is refused before it is read into memory. */
static void not_files(void)
{
    char dir[] = "/tmp/ssm-model-XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "temporary folder");
    char fifo[64], big[64];
    snprintf(fifo, sizeof fifo, "%s/fifo.safetensors", dir);
    snprintf(big, sizeof big, "%s/big.safetensors", dir);
    CHECK(mkfifo(fifo, 0600) == 0, "mkfifo %s", fifo);
    int fd = open(big, O_WRONLY | O_CREAT, 0600);
    CHECK(fd >= 0 && ftruncate(fd, (off_t)3 << 30) == 0, "a sparse 3 GiB file");
    if (fd >= 0)
        close(fd);
    static const struct {
        const char *what, *want;
        int which;
    } cases[] = {{"/dev/zero", "is a character device, not a model file", 0},
                 {"a FIFO", "is a FIFO, not a model file", 1},
                 {"a directory", "is a directory, not a model file", 2},
                 {"a 3 GiB file", "more than a model file may be", 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = cases[i].which == 0   ? "/dev/zero"
                           : cases[i].which == 1 ? fifo
                           : cases[i].which == 2 ? dir
                                                 : big;
        ssm_error err = {0};
        ssm_model *m = ssm_model_load(path, &err);
        CHECK(m == NULL && strstr(err.message, path) && strstr(err.message, cases[i].want),
              "%s: want \"%s\", got \"%s\"", cases[i].what, cases[i].want, err.message);
        printf("%-36s -> %s\n", cases[i].what, err.message);
        ssm_model_destroy(m);
    }
    unlink(fifo);
    unlink(big);
    rmdir(dir);
}

int main(void)
{
    round_trip();
    non_finite();
    not_files();

    static const struct {
        const char *file, *want1, *want2;
    } bad[] = {
        {"bad-truncated.safetensors", "past the", "truncated"},
        {"bad-wrong-dtype.safetensors", "\"dtype\"", "\"I64\" is not supported"},
        {"bad-overlap.safetensors", "overlaps tensor", "data_offsets"},
        {"bad-huge-shape.safetensors", "\"shape\"", "overflows"},
        {"bad-rank5.safetensors", "\"shape\"", "rank 5"},
        {"bad-bad-json.safetensors", "JSON header", "line 1"},
        {"bad-header-past-eof.safetensors", "header length", "past the end"},
        {"bad-offsets-past-data.safetensors", "data_offsets", "past the 16-byte data section"},
        {"bad-size-mismatch.safetensors", "16 bytes", "needs 12"},
        {"bad-meta-not-string.safetensors", "__metadata__", "must be a string"},
        {"bad-hole.safetensors", "belong to no tensor", "hole"},
        {"bad-duplicate-name.safetensors", "JSON header", "duplicate"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ssm_error err = {0};
        ssm_model *m = ssm_model_load(gpath(bad[i].file), &err);
        CHECK(m == NULL && err.status != SSM_OK && strstr(err.message, bad[i].file) &&
                  strstr(err.message, bad[i].want1) && strstr(err.message, bad[i].want2),
              "%s: want an error with \"%s\" and \"%s\", got \"%s\"", bad[i].file, bad[i].want1,
              bad[i].want2, err.message);
        printf("%-36s -> %s\n", bad[i].file, err.message);
        ssm_model_destroy(m);
    }

    ssm_error err = {0};
    CHECK(ssm_model_load("/nonexistent/x.safetensors", &err) == NULL && err.status == SSM_ERR_IO &&
              strstr(err.message, "/nonexistent/x.safetensors"),
          "a missing file is an I/O error naming it (got \"%s\")", err.message);
    CHECK(ssm_model_load_memory("abc", 3, "mem", &err) == NULL && strstr(err.message, "mem:"),
          "3 bytes are too short (got \"%s\")", err.message);
    return th_finish("test_model");
}
