/* safetensors model files (docs/model-format.md).
 *
 * Layout: an 8-byte little-endian header length N, N bytes of JSON, then the
 * data section. The loader trusts nothing: every length, offset and shape is
 * checked with overflow-safe arithmetic before a single tensor byte is read,
 * and every tensor is copied (and widened) into one float32 arena, so the
 * data may sit at any alignment in the file and never needs to stay mapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssm/model.h"

/* A header this large is already absurd for an audio model; refusing it
 * keeps a hostile length from asking jansson for gigabytes. */
#define MAX_HEADER_BYTES (64u * 1024u * 1024u)
#define MAX_TENSORS      65536u
#define MAX_NAME_BYTES   1024u
/* An audio model is kilobytes to a few hundred megabytes; a path that
 * names something larger (or /dev/zero, which never ends) is a mistake,
 * and reading it would take the machine's memory first. */
#define MAX_FILE_BYTES (1024ull * 1024ull * 1024ull)

typedef struct {
    char *key;
    char *value;
} meta_entry;

struct ssm_model {
    char *path;
    ssm_tensor *tensors; /* sorted by name, for bsearch */
    size_t n_tensors;
    float *arena;
    meta_entry *meta; /* sorted by key */
    size_t n_meta;
};

typedef struct {
    const char *name;
    const char *dtype;
    size_t elem_size;
    uint64_t begin, end;
    uint32_t ndim;
    uint64_t shape[SSM_MODEL_MAX_DIMS];
    uint64_t numel;
} tensor_spec;

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* IEEE half to single, subnormals, infinities and NaN included. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else {
            /* Subnormal half: normalise into a single's exponent range. */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400u));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static float bf16_to_float(uint16_t b)
{
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static int cmp_tensor(const void *a, const void *b)
{
    return strcmp(((const ssm_tensor *)a)->name, ((const ssm_tensor *)b)->name);
}

static int cmp_meta(const void *a, const void *b)
{
    return strcmp(((const meta_entry *)a)->key, ((const meta_entry *)b)->key);
}

static int cmp_spec_begin(const void *a, const void *b)
{
    const tensor_spec *x = *(const tensor_spec *const *)a, *y = *(const tensor_spec *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : (x->end > y->end);
}

void ssm_model_destroy(ssm_model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_tensors; i++)
        free((char *)m->tensors[i].name);
    for (size_t i = 0; i < m->n_meta; i++) {
        free(m->meta[i].key);
        free(m->meta[i].value);
    }
    free(m->tensors);
    free(m->meta);
    free(m->arena);
    free(m->path);
    free(m);
}

static int parse_metadata(ssm_model *m, json_t *obj, const char *what, ssm_error *err)
{
    if (!json_is_object(obj)) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: \"__metadata__\": must be an object of strings",
                      what);
        return -1;
    }
    size_t n = json_object_size(obj);
    m->meta = calloc(n ? n : 1, sizeof *m->meta);
    if (!m->meta) {
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for metadata", what);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val)
    {
        if (!json_is_string(val)) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: \"__metadata__\".\"%s\": value must be a string (safetensors "
                          "metadata is string -> string)",
                          what, key);
            return -1;
        }
        if (strlen(json_string_value(val)) != json_string_length(val)) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: \"__metadata__\".\"%s\": value contains a NUL character", what, key);
            return -1;
        }
        meta_entry *e = &m->meta[m->n_meta];
        e->key = strdup(key);
        e->value = strdup(json_string_value(val));
        m->n_meta++;
        if (!e->key || !e->value) {
            ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for metadata", what);
            return -1;
        }
    }
    qsort(m->meta, m->n_meta, sizeof *m->meta, cmp_meta);
    return 0;
}

static int get_u64(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v))
        return -1;
    json_int_t x = json_integer_value(v);
    if (x < 0)
        return -1;
    *out = (uint64_t)x;
    return 0;
}

static int parse_tensor(tensor_spec *t, const char *name, json_t *obj, uint64_t data_len,
                        const char *what, ssm_error *err)
{
    t->name = name;
    if (name[0] == '\0' || strlen(name) > MAX_NAME_BYTES) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: tensor name \"%.40s\": must be 1..%u bytes long",
                      what, name, MAX_NAME_BYTES);
        return -1;
    }
    if (!json_is_object(obj)) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": entry must be an object with dtype, shape and "
                      "data_offsets",
                      what, name);
        return -1;
    }
    json_t *jd = json_object_get(obj, "dtype");
    json_t *js = json_object_get(obj, "shape");
    json_t *jo = json_object_get(obj, "data_offsets");
    if (!json_is_string(jd)) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"dtype\": missing or "
                      "not a string",
                      what, name);
        return -1;
    }
    t->dtype = json_string_value(jd);
    if (strcmp(t->dtype, "F32") == 0) {
        t->elem_size = 4;
    } else if (strcmp(t->dtype, "F16") == 0 || strcmp(t->dtype, "BF16") == 0) {
        t->elem_size = 2;
    } else {
        ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                      "%s: tensor \"%s\": field \"dtype\": \"%s\" is not supported (F32, F16 "
                      "and BF16 are)",
                      what, name, t->dtype);
        return -1;
    }
    if (!json_is_array(js)) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"shape\": missing or not an array", what, name);
        return -1;
    }
    size_t rank = json_array_size(js);
    if (rank > SSM_MODEL_MAX_DIMS) {
        ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                      "%s: tensor \"%s\": field \"shape\": rank %zu is more than %d", what, name,
                      rank, SSM_MODEL_MAX_DIMS);
        return -1;
    }
    t->ndim = (uint32_t)rank;
    t->numel = 1;
    for (size_t d = 0; d < rank; d++) {
        uint64_t dim;
        if (get_u64(json_array_get(js, d), &dim) != 0) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: tensor \"%s\": field \"shape\"[%zu]: not a non-negative integer",
                          what, name, d);
            return -1;
        }
        t->shape[d] = dim;
        /* Bound by the data section: a tensor can never hold more elements
         * than there are bytes, which also keeps numel * size from wrapping. */
        if (dim != 0 && t->numel > data_len / dim) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: tensor \"%s\": field \"shape\": element count overflows or "
                          "exceeds the %llu-byte data section",
                          what, name, (unsigned long long)data_len);
            return -1;
        }
        t->numel *= dim;
    }
    if (!json_is_array(jo) || json_array_size(jo) != 2 ||
        get_u64(json_array_get(jo, 0), &t->begin) != 0 ||
        get_u64(json_array_get(jo, 1), &t->end) != 0) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"data_offsets\": must be [begin, end] with "
                      "non-negative integers",
                      what, name);
        return -1;
    }
    if (t->begin > t->end) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"data_offsets\": begin %llu is after end %llu",
                      what, name, (unsigned long long)t->begin, (unsigned long long)t->end);
        return -1;
    }
    if (t->end > data_len) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"data_offsets\": end %llu is past the %llu-byte "
                      "data section (file truncated?)",
                      what, name, (unsigned long long)t->end, (unsigned long long)data_len);
        return -1;
    }
    if (t->numel > UINT64_MAX / t->elem_size || t->end - t->begin != t->numel * t->elem_size) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: tensor \"%s\": field \"data_offsets\": %llu bytes, but %s shape with "
                      "%llu elements needs %llu",
                      what, name, (unsigned long long)(t->end - t->begin), t->dtype,
                      (unsigned long long)t->numel,
                      (unsigned long long)(t->numel * (uint64_t)t->elem_size));
        return -1;
    }
    return 0;
}

/* safetensors requires the data section to be covered exactly: no overlaps
 * (two tensors aliasing bytes is a classic parser-confusion attack) and no
 * holes (bytes no tensor accounts for). */
static int check_ranges(tensor_spec **by_begin, size_t n, uint64_t data_len, const char *what,
                        ssm_error *err)
{
    qsort(by_begin, n, sizeof(tensor_spec *), cmp_spec_begin);
    uint64_t at = 0;
    const tensor_spec *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const tensor_spec *t = by_begin[i];
        if (t->begin < at) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: tensor \"%s\": field \"data_offsets\": [%llu, %llu] overlaps "
                          "tensor \"%s\" [%llu, %llu]",
                          what, t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                          prev->name, (unsigned long long)prev->begin,
                          (unsigned long long)prev->end);
            return -1;
        }
        if (t->begin > at) {
            ssm_error_set(err, SSM_ERR_FORMAT,
                          "%s: data section: bytes %llu..%llu belong to no tensor (a hole "
                          "before tensor \"%s\")",
                          what, (unsigned long long)at, (unsigned long long)t->begin, t->name);
            return -1;
        }
        at = t->end;
        prev = t;
    }
    if (at != data_len) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: data section: %llu trailing bytes after the last tensor", what,
                      (unsigned long long)(data_len - at));
        return -1;
    }
    return 0;
}

static void widen(float *dst, const unsigned char *src, const tensor_spec *t)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (t->elem_size == 4) { /* the file's byte order: a copy (most of a model's load) */
        memcpy(dst, src, (size_t)t->numel * sizeof(float));
        return;
    }
#endif
    for (uint64_t i = 0; i < t->numel; i++) {
        const unsigned char *p = src + i * t->elem_size;
        if (t->elem_size == 4) {
            uint32_t bits =
                (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            memcpy(&dst[i], &bits, sizeof bits);
        } else {
            uint16_t h = (uint16_t)(p[0] | p[1] << 8);
            dst[i] = t->dtype[0] == 'F' ? half_to_float(h) : bf16_to_float(h);
        }
    }
}

static ssm_model *parse(const unsigned char *bytes, size_t n_bytes, const char *what,
                        ssm_error *err)
{
    if (n_bytes < 8) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: header length: file is %zu bytes, shorter than the 8-byte length "
                      "prefix (truncated?)",
                      what, n_bytes);
        return NULL;
    }
    uint64_t hlen = load_le64(bytes);
    if (hlen > n_bytes - 8) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: header length: %llu bytes runs past the end of the %zu-byte file "
                      "(truncated, or not a safetensors file)",
                      what, (unsigned long long)hlen, n_bytes);
        return NULL;
    }
    if (hlen < 2 || hlen > MAX_HEADER_BYTES) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: header length: %llu bytes is outside 2..%u", what,
                      (unsigned long long)hlen, MAX_HEADER_BYTES);
        return NULL;
    }
    const unsigned char *data = bytes + 8 + hlen;
    uint64_t data_len = (uint64_t)n_bytes - 8 - hlen;

    json_error_t jerr;
    json_t *root = json_loadb((const char *)bytes + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: JSON header: line %d column %d: %s", what,
                      jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    ssm_model *m = calloc(1, sizeof *m);
    tensor_spec *specs = NULL;
    tensor_spec **order = NULL;
    if (!m)
        goto nomem;
    m->path = strdup(what);
    if (!m->path)
        goto nomem;
    if (!json_is_object(root)) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: JSON header: top level must be an object", what);
        goto fail;
    }
    size_t n_entries = json_object_size(root);
    if (n_entries > MAX_TENSORS) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: JSON header: %zu entries, more than %u", what,
                      n_entries, MAX_TENSORS);
        goto fail;
    }
    specs = calloc(n_entries ? n_entries : 1, sizeof *specs);
    order = calloc(n_entries ? n_entries : 1, sizeof(tensor_spec *));
    if (!specs || !order)
        goto nomem;
    size_t n = 0;
    uint64_t total = 0;
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "__metadata__") == 0) {
            if (parse_metadata(m, val, what, err) != 0)
                goto fail;
            continue;
        }
        if (parse_tensor(&specs[n], key, val, data_len, what, err) != 0)
            goto fail;
        order[n] = &specs[n];
        total += specs[n].numel; /* <= data_len, as each numel <= its byte range */
        n++;
    }
    if (check_ranges(order, n, data_len, what, err) != 0)
        goto fail;

    m->tensors = calloc(n ? n : 1, sizeof *m->tensors);
    m->arena = malloc(total ? total * sizeof(float) : 1);
    if (!m->tensors || !m->arena)
        goto nomem;
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const tensor_spec *t = &specs[i];
        ssm_tensor *o = &m->tensors[i];
        o->name = strdup(t->name);
        m->n_tensors++;
        if (!o->name)
            goto nomem;
        o->ndim = t->ndim;
        memcpy(o->shape, t->shape, sizeof o->shape);
        o->numel = (size_t)t->numel;
        o->data = m->arena + off;
        widen(m->arena + off, data + t->begin, t);
        /* One NaN or infinite weight makes every output sample NaN: such a
         * file loads but cannot work, so it does not load. Counted first
         * in a loop that vectorises; the element is looked for only then. */
        size_t n_bad = 0;
        for (uint64_t k = 0; k < t->numel; k++)
            n_bad += !isfinite(m->arena[off + k]);
        for (uint64_t k = 0; n_bad && k < t->numel; k++)
            if (!isfinite(m->arena[off + k])) {
                ssm_error_set(err, SSM_ERR_FORMAT,
                              "%s: tensor \"%s\": element %llu is %s (a model with a non-finite "
                              "weight cannot work)",
                              what, t->name, (unsigned long long)k,
                              isnan(m->arena[off + k]) ? "NaN" : "infinite");
                goto fail;
            }
        off += t->numel;
    }
    qsort(m->tensors, m->n_tensors, sizeof *m->tensors, cmp_tensor);
    free(specs);
    free(order);
    json_decref(root);
    return m;

nomem:
    ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory while loading", what);
fail:
    free(specs);
    free(order);
    json_decref(root);
    ssm_model_destroy(m);
    return NULL;
}

ssm_model *ssm_model_load_memory(const void *bytes, size_t n_bytes, const char *what,
                                 ssm_error *err)
{
    if (!bytes && n_bytes) {
        ssm_error_set(err, SSM_ERR_INVALID, "ssm_model_load_memory: NULL buffer");
        return NULL;
    }
    return parse(bytes ? bytes : "", n_bytes, what ? what : "(memory)", err);
}

static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
                            : "not a regular file";
}

ssm_model *ssm_model_load(const char *path, ssm_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; the file is
     * refused as soon as fstat says what it is. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        ssm_error_set(err, SSM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ssm_error_set(err, SSM_ERR_IO, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        ssm_error_set(err, SSM_ERR_IO, "%s: is %s, not a model file", path, file_kind(st.st_mode));
        close(fd);
        return NULL;
    }
    if ((unsigned long long)st.st_size > MAX_FILE_BYTES) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: %lld bytes is more than a model file may be (%llu MiB)", path,
                      (long long)st.st_size, MAX_FILE_BYTES >> 20);
        close(fd);
        return NULL;
    }
    /* Read what fstat promised, and notice a file that grows meanwhile. */
    const size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len + 1);
    if (!buf) {
        close(fd);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, len);
        return NULL;
    }
    size_t at = 0;
    while (at < len + 1) {
        ssize_t got = read(fd, buf + at, len + 1 - at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            ssm_error_set(err, SSM_ERR_IO, "%s: read error: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (got == 0)
            break;
        at += (size_t)got;
    }
    close(fd);
    if (at != len) {
        ssm_error_set(err, SSM_ERR_IO, "%s: %s while being read (%zu bytes when opened)", path,
                      at > len ? "grew" : "shrank", len);
        free(buf);
        return NULL;
    }
    ssm_model *m = parse(buf, len, path, err);
    free(buf);
    return m;
}

size_t ssm_model_n_tensors(const ssm_model *m)
{
    return m->n_tensors;
}

const ssm_tensor *ssm_model_tensor_at(const ssm_model *m, size_t index)
{
    return index < m->n_tensors ? &m->tensors[index] : NULL;
}

const ssm_tensor *ssm_model_tensor(const ssm_model *m, const char *name)
{
    if (m->n_tensors == 0)
        return NULL;
    ssm_tensor key = {.name = name};
    return bsearch(&key, m->tensors, m->n_tensors, sizeof *m->tensors, cmp_tensor);
}

static void format_shape(char *buf, size_t n, uint32_t ndim, const uint64_t *shape)
{
    size_t at = 0;
    at += (size_t)snprintf(buf + at, n - at, "[");
    for (uint32_t d = 0; d < ndim && at < n; d++)
        at += (size_t)snprintf(buf + at, n - at, "%s%llu", d ? ", " : "",
                               (unsigned long long)shape[d]);
    if (at < n)
        snprintf(buf + at, n - at, "]");
}

const ssm_tensor *ssm_model_require(const ssm_model *m, const char *name, uint32_t ndim,
                                    const uint64_t *shape, ssm_error *err)
{
    const ssm_tensor *t = ssm_model_tensor(m, name);
    if (!t) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: tensor \"%s\": missing", m->path, name);
        return NULL;
    }
    int same = t->ndim == ndim;
    for (uint32_t d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        char want[128], got[128];
        format_shape(want, sizeof want, ndim, shape);
        format_shape(got, sizeof got, t->ndim, t->shape);
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: tensor \"%s\": shape %s, expected %s", m->path,
                      name, got, want);
        return NULL;
    }
    return t;
}

const char *ssm_model_meta(const ssm_model *m, const char *key)
{
    if (m->n_meta == 0)
        return NULL;
    meta_entry k = {.key = (char *)key};
    const meta_entry *e = bsearch(&k, m->meta, m->n_meta, sizeof *m->meta, cmp_meta);
    return e ? e->value : NULL;
}

const char *ssm_model_path(const ssm_model *m)
{
    return m->path;
}
