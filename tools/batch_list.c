/* ssm-render's list of jobs (batch_list.h). Paths are compared in a
 * lexical absolute form (the working directory prepended, "." and ".."
 * folded away) so that "a/x.wav", "./a/x.wav" and "/home/u/a/x.wav" are one
 * file, and by device and inode so that a link to an input is one too. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_list.h"
#include "ssm/audio_file.h"

#define MAX_DEPTH 64

typedef struct {
    batch_item *items;
    char **abs; /* items' inputs, lexical absolute */
    size_t n, cap;
    struct stat outdir; /* valid when has_outdir */
    int has_outdir;
    char *why;
    size_t why_size;
} builder;

typedef struct {
    dev_t dev;
    ino_t ino;
} file_id;

/* Lexical absolute form of path; malloc'd, NULL when out of memory. */
static char *absnorm(const char *cwd, const char *path)
{
    size_t len = strlen(path) + (path[0] == '/' ? 0 : strlen(cwd) + 1) + 2;
    char *src = malloc(len), *dst = malloc(len);
    if (!src || !dst) {
        free(src);
        free(dst);
        return NULL;
    }
    if (path[0] == '/')
        snprintf(src, len, "%s", path);
    else
        snprintf(src, len, "%s/%s", cwd, path);
    size_t at = 0;
    for (char *save = NULL, *c = strtok_r(src, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            while (at > 0 && dst[at - 1] != '/')
                at--;
            if (at > 0)
                at--;
            continue;
        }
        dst[at++] = '/';
        size_t cl = strlen(c);
        memcpy(dst + at, c, cl);
        at += cl;
    }
    if (at == 0)
        dst[at++] = '/';
    dst[at] = '\0';
    free(src);
    return dst;
}

static char *join(const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    const int slash = dl > 0 && dir[dl - 1] == '/';
    size_t len = dl + strlen(name) + 2;
    char *p = malloc(len);
    if (p)
        snprintf(p, len, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

/* The length of the longest common folder prefix of two absolute paths:
 * whole components only ("/a/bc" and "/a/b" share "/a"). */
static size_t common_len(const char *a, size_t la, const char *b)
{
    size_t i = 0, last = 0;
    while (i < la && a[i] && a[i] == b[i]) {
        if (a[i] == '/')
            last = i;
        i++;
    }
    if ((i == la || a[i] == '/') && (b[i] == '\0' || b[i] == '/'))
        last = i;
    return last;
}

static int fail(builder *b, const char *fmt, const char *a, const char *c)
{
    snprintf(b->why, b->why_size, fmt, a, c);
    return -1;
}

static int add(builder *b, char *in, char *abs)
{
    if (!in || !abs) {
        free(in);
        free(abs);
        return fail(b, "out of memory listing the inputs%s%s", "", "");
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        batch_item *it = realloc(b->items, cap * sizeof *it);
        if (it)
            b->items = it;
        char **ab = it ? realloc(b->abs, cap * sizeof *ab) : NULL;
        if (ab)
            b->abs = ab;
        if (!it || !ab) {
            free(in);
            free(abs);
            return fail(b, "out of memory listing the inputs%s%s", "", "");
        }
        b->cap = cap;
    }
    b->items[b->n] = (batch_item){in, NULL, NULL};
    b->abs[b->n] = abs;
    b->n++;
    return 0;
}

/* Byte order, not the locale's collation: every host of a cluster job
 * must list a folder the same way. */
static int cmp_dirent(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int walk(builder *b, const char *dir, const char *abs, file_id *up, int depth)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, cmp_dirent);
    if (n < 0)
        return fail(b, "%s: cannot list the folder: %s", dir, strerror(errno));
    int rc = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        struct stat st;
        char *path = NULL;
        if (rc != 0 || name[0] == '.' || !(path = join(dir, name)) || stat(path, &st) != 0) {
            if (rc == 0 && name[0] != '.' && !path)
                rc = fail(b, "out of memory listing the inputs%s%s", "", "");
            free(path);
            continue;
        }
        int seen = b->has_outdir && st.st_dev == b->outdir.st_dev && st.st_ino == b->outdir.st_ino;
        for (int k = 0; k < depth && !seen; k++)
            seen = up[k].dev == st.st_dev && up[k].ino == st.st_ino;
        if (S_ISDIR(st.st_mode) && !seen && depth + 1 < MAX_DEPTH) {
            char *sub = join(abs, name);
            up[depth] = (file_id){st.st_dev, st.st_ino};
            rc = sub ? walk(b, path, sub, up, depth + 1)
                     : fail(b, "out of memory listing the inputs%s%s", "", "");
            free(sub);
        } else if (S_ISREG(st.st_mode) && ssm_audio_file_extension_known(name)) {
            rc = add(b, path, join(abs, name));
            path = NULL;
        }
        free(path);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int cmp_id(const void *a, const void *b)
{
    const file_id *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Indices sorted by their output's absolute form, equal ones in list order. */
typedef struct {
    const char *key;
    size_t index;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

static char *problem(const char *fmt, const char *a, const char *c)
{
    int n = snprintf(NULL, 0, fmt, a, c);
    char *p = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (p)
        snprintf(p, (size_t)n + 1, fmt, a, c);
    return p;
}

/* Marks every item whose output is an input, or is another item's. */
static int check_outputs(builder *b, const char *cwd)
{
    const size_t n = b->n;
    file_id *ids = malloc((n ? n : 1) * sizeof *ids);
    char **ins = malloc((n ? n : 1) * sizeof *ins);
    keyed *outs = malloc((n ? n : 1) * sizeof *outs);
    char **out_abs = calloc(n ? n : 1, sizeof *out_abs);
    int rc = ids && ins && outs && out_abs ? 0 : -1;
    size_t n_ids = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct stat st;
        if (stat(b->items[i].in, &st) == 0)
            ids[n_ids++] = (file_id){st.st_dev, st.st_ino};
        ins[i] = b->abs[i];
        out_abs[i] = absnorm(cwd, b->items[i].out);
        if (!out_abs[i])
            rc = -1;
        outs[i] = (keyed){out_abs[i], i};
    }
    if (rc == 0) {
        qsort(ids, n_ids, sizeof *ids, cmp_id);
        qsort(ins, n, sizeof *ins, cmp_str);
        qsort(outs, n, sizeof *outs, cmp_keyed);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        batch_item *it = &b->items[i];
        struct stat st;
        file_id id;
        const int exists = stat(it->out, &st) == 0;
        if (exists)
            id = (file_id){st.st_dev, st.st_ino};
        if ((exists && bsearch(&id, ids, n_ids, sizeof *ids, cmp_id)) ||
            bsearch(&out_abs[i], ins, n, sizeof *ins, cmp_str)) {
            it->problem =
                problem("output %s is an input file; refusing to overwrite it%s", it->out, "");
            if (!it->problem)
                rc = -1;
        }
    }
    for (size_t i = 1; rc == 0 && i < n; i++) {
        if (strcmp(outs[i].key, outs[i - 1].key) != 0)
            continue;
        size_t first = i - 1;
        while (first > 0 && strcmp(outs[first - 1].key, outs[i].key) == 0)
            first--;
        batch_item *it = &b->items[outs[i].index];
        if (it->problem)
            continue;
        it->problem = problem("output %s would also be written from %s (same output path)", it->out,
                              b->items[outs[first].index].in);
        if (!it->problem)
            rc = -1;
    }
    for (size_t i = 0; out_abs && i < n; i++)
        free(out_abs[i]);
    free(out_abs);
    free(outs);
    free(ins);
    free(ids);
    if (rc != 0)
        snprintf(b->why, b->why_size, "out of memory checking the outputs");
    return rc;
}

void batch_list_free(batch_list *list)
{
    for (size_t i = 0; i < list->n; i++) {
        free(list->items[i].in);
        free(list->items[i].out);
        free(list->items[i].problem);
    }
    free(list->items);
    list->items = NULL;
    list->n = 0;
}

int batch_list_make(batch_list *list, char *const *args, size_t n_args, const char *output,
                    int single, char *why, size_t why_size)
{
    builder b = {.why = why, .why_size = why_size};
    char cwd[PATH_MAX];
    char *root = NULL;
    size_t root_len = 0;
    int rc = 0;
    if (!getcwd(cwd, sizeof cwd)) {
        snprintf(why, why_size, "cannot read the working directory: %s", strerror(errno));
        return -1;
    }
    b.has_outdir = !single && stat(output, &b.outdir) == 0;
    for (size_t a = 0; rc == 0 && a < n_args; a++) {
        struct stat st;
        char *arg_root = NULL;
        const size_t before = b.n;
        if (stat(args[a], &st) == 0 && S_ISDIR(st.st_mode)) {
            file_id up[MAX_DEPTH] = {{st.st_dev, st.st_ino}};
            arg_root = absnorm(cwd, args[a]);
            rc = arg_root ? walk(&b, args[a], arg_root, up, 1)
                          : fail(&b, "out of memory listing the inputs%s%s", "", "");
            if (rc == 0 && b.n == before)
                fprintf(stderr, "ssm-render: %s: no audio files in this folder\n", args[a]);
        } else {
            /* Anything else is rendered as given, so that a missing or
             * unreadable file is reported by name like a corrupt one. */
            char *abs = absnorm(cwd, args[a]);
            rc = add(&b, strdup(args[a]), abs);
            if (rc == 0) {
                const char *slash = strrchr(abs, '/');
                arg_root = strndup(abs, slash == abs ? 1 : (size_t)(slash - abs));
                if (!arg_root)
                    rc = fail(&b, "out of memory listing the inputs%s%s", "", "");
            }
        }
        if (rc == 0 && b.n > before) {
            if (!root) {
                root = arg_root;
                root_len = strlen(root);
                arg_root = NULL;
            } else {
                root_len = common_len(root, root_len, arg_root);
            }
        }
        free(arg_root);
    }
    if (rc == 0 && b.n == 0)
        rc = fail(&b, "no audio files to render%s%s", "", "");
    for (size_t i = 0; rc == 0 && i < b.n; i++) {
        const char *rel = b.abs[i] + root_len;
        while (*rel == '/')
            rel++;
        b.items[i].out = single ? strdup(output) : join(output, rel);
        if (!b.items[i].out)
            rc = fail(&b, "out of memory listing the outputs%s%s", "", "");
    }
    if (rc == 0)
        rc = check_outputs(&b, cwd);
    for (size_t i = 0; i < b.n; i++)
        free(b.abs[i]);
    free(b.abs);
    free(root);
    list->items = b.items;
    list->n = b.n;
    if (rc != 0)
        batch_list_free(list);
    return rc;
}
