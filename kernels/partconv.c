/* Non-uniform partitioned convolution; the schedule is documented in
 * ssm/partconv.h. Overlap-save throughout: a plevel of partition size P
 * transforms its last 2P input samples and keeps the second half of the
 * inverse transform. */
#include "ssm/partconv.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LEVELS 16

typedef struct {
    size_t P, R, n, offset; /* partition size, P/B, partitions, filter offset */
    size_t nbs;             /* bins stride; a spectrum is 2 nbs floats */
    ssm_rfft *fft;
    float *h;     /* [n][2 nbs] filter partition spectra, scaled by 1/2P */
    float *x;     /* [n][2 nbs] ring of input spectra */
    size_t head;  /* ring slot of the newest input spectrum */
    float *win;   /* [2P] overlap-save window: previous block, current block */
    float *acc;   /* [2 nbs] sum of products */
    float *tbuf;  /* [2P] time-domain scratch */
    float *ready; /* [P] output being played (levels >= 1) */
    float *next;  /* [P] output being computed (levels >= 1) */
} plevel;

struct ssm_partconv {
    size_t B, nlev, fill;
    int zero_latency;
    size_t tick;
    plevel lev[MAX_LEVELS];
    float *inq;  /* [B] input gathered for the next block */
    float *outq; /* [B] output of the last block (latency-B mode) */
    float *yblk; /* [B] */
};

static ssm_status level_init(plevel *L, const float *filter, size_t length, size_t P, size_t B,
                             size_t offset, size_t n, ssm_plan_rigor rigor)
{
    L->P = P;
    L->R = P / B;
    L->n = n;
    L->offset = offset;
    L->nbs = ssm_fft_bins_stride(2 * P);
    L->fft = ssm_rfft_create(2 * P, rigor);
    L->h = ssm_fft_alloc(n * 2 * L->nbs);
    L->x = ssm_fft_alloc(n * 2 * L->nbs);
    L->win = ssm_fft_alloc(2 * P);
    L->acc = ssm_fft_alloc(2 * L->nbs);
    L->tbuf = ssm_fft_alloc(2 * P);
    L->ready = ssm_fft_alloc(P);
    L->next = ssm_fft_alloc(P);
    if (!L->fft || !L->h || !L->x || !L->win || !L->acc || !L->tbuf || !L->ready || !L->next)
        return SSM_ERR_NOMEM;
    const float scale = 1.0f / (float)(2 * P);
    for (size_t j = 0; j < n; j++) {
        memset(L->tbuf, 0, 2 * P * sizeof(float));
        size_t start = offset + j * P;
        for (size_t k = 0; k < P && start + k < length; k++)
            L->tbuf[k] = filter[start + k] * scale;
        ssm_rfft_forward(L->fft, L->tbuf, L->h + j * 2 * L->nbs);
    }
    return SSM_OK;
}

static void level_free(plevel *L)
{
    ssm_rfft_destroy(L->fft);
    ssm_fft_free(L->h);
    ssm_fft_free(L->x);
    ssm_fft_free(L->win);
    ssm_fft_free(L->acc);
    ssm_fft_free(L->tbuf);
    ssm_fft_free(L->ready);
    ssm_fft_free(L->next);
}

void ssm_partconv_destroy(ssm_partconv *p)
{
    if (!p)
        return;
    for (size_t l = 0; l < p->nlev; l++)
        level_free(&p->lev[l]);
    ssm_fft_free(p->inq);
    ssm_fft_free(p->outq);
    ssm_fft_free(p->yblk);
    free(p);
}

ssm_partconv *ssm_partconv_create(const float *filter, size_t length, size_t block,
                                  const ssm_partconv_config *cfg, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_partconv *p = NULL;
    size_t max_part = cfg && cfg->max_part ? cfg->max_part : 16384;
    ssm_plan_rigor rigor = cfg ? cfg->rigor : SSM_PLAN_ESTIMATE;
    if (!filter || length == 0 || block < 16 || block > 65536 || (block & (block - 1)) ||
        max_part < block)
        goto fail;
    st = SSM_ERR_NOMEM;
    p = calloc(1, sizeof *p);
    if (!p)
        goto fail;
    p->B = block;
    p->zero_latency = cfg ? cfg->zero_latency : 0;
    p->inq = ssm_fft_alloc(block);
    p->outq = ssm_fft_alloc(block);
    p->yblk = ssm_fft_alloc(block);
    if (!p->inq || !p->outq || !p->yblk)
        goto fail;

    /* Level l (P = B 4^l) covers [2P, 8P) except plevel 0 ([0, 8B)) and the
     * last, which covers everything that is left. */
    size_t P = block, offset = 0;
    while (offset < length) {
        size_t nextP = P * 4;
        int last = nextP > max_part || p->nlev + 1 == MAX_LEVELS;
        size_t end = last ? length : 2 * nextP;
        if (end > length)
            end = length;
        size_t n = (end - offset + P - 1) / P;
        st = level_init(&p->lev[p->nlev], filter, length, P, block, offset, n, rigor);
        p->nlev++;
        if (st != SSM_OK)
            goto fail;
        offset += n * P;
        P = nextP;
    }
    if (status)
        *status = SSM_OK;
    return p;
fail:
    ssm_partconv_destroy(p);
    if (status)
        *status = st;
    return NULL;
}

void ssm_partconv_reset(ssm_partconv *p)
{
    for (size_t l = 0; l < p->nlev; l++) {
        plevel *L = &p->lev[l];
        memset(L->x, 0, L->n * 2 * L->nbs * sizeof(float));
        memset(L->win, 0, 2 * L->P * sizeof(float));
        memset(L->ready, 0, L->P * sizeof(float));
        memset(L->next, 0, L->P * sizeof(float));
        /* A level may be mid-way through its products: drop them too. */
        memset(L->acc, 0, 2 * L->nbs * sizeof(float));
        L->head = 0;
    }
    memset(p->inq, 0, p->B * sizeof(float));
    memset(p->outq, 0, p->B * sizeof(float));
    p->fill = 0;
    p->tick = 0;
}

size_t ssm_partconv_latency(const ssm_partconv *p)
{
    return p->zero_latency ? 0 : p->B;
}

size_t ssm_partconv_levels(const ssm_partconv *p)
{
    return p->nlev;
}

void ssm_partconv_level_info(const ssm_partconv *p, size_t index, size_t *part, size_t *count,
                             size_t *offset)
{
    const plevel *L = &p->lev[index < p->nlev ? index : 0];
    *part = L->P;
    *count = L->n;
    *offset = L->offset;
}

/* acc += sum_{j in [j0, j1)} X_{k-j} H_j, split complex. */
SSM_HOT static void mac_parts(const plevel *L, size_t j0, size_t j1)
{
    const size_t nbs = L->nbs, nb = L->P + 1;
    float *restrict ar = L->acc, *restrict ai = L->acc + nbs;
    for (size_t j = j0; j < j1; j++) {
        size_t slot = (L->head + L->n - j) % L->n;
        const float *restrict xr = L->x + slot * 2 * nbs, *restrict xi = xr + nbs;
        const float *restrict hr = L->h + j * 2 * nbs, *restrict hi = hr + nbs;
        for (size_t i = 0; i < nb; i++) {
            ar[i] += xr[i] * hr[i] - xi[i] * hi[i];
            ai[i] += xr[i] * hi[i] + xi[i] * hr[i];
        }
    }
}

/* Window full: transform it into the newest ring slot, then slide. */
static void level_input(plevel *L)
{
    L->head = (L->head + 1) % L->n;
    memcpy(L->tbuf, L->win, 2 * L->P * sizeof(float));
    ssm_rfft_forward(L->fft, L->tbuf, L->x + L->head * 2 * L->nbs);
    memcpy(L->win, L->win + L->P, L->P * sizeof(float));
    memset(L->acc, 0, 2 * L->nbs * sizeof(float));
}

static void level_output(plevel *L, float *dst)
{
    ssm_rfft_inverse(L->fft, L->acc, L->tbuf);
    memcpy(dst, L->tbuf + L->P, L->P * sizeof(float));
}

/* One block of B input samples in p->inq -> B output samples in y. */
static void run_block(ssm_partconv *p, float *y)
{
    const size_t B = p->B;
    plevel *L0 = &p->lev[0];
    memcpy(L0->win + B, p->inq, B * sizeof(float));
    level_input(L0);
    mac_parts(L0, 0, L0->n);
    level_output(L0, y);

    for (size_t l = 1; l < p->nlev; l++) {
        plevel *L = &p->lev[l];
        const size_t R = L->R, pos = p->tick % R, phase = (p->tick + 1) % R;
        memcpy(L->win + L->P + pos * B, p->inq, B * sizeof(float));
        if (pos == 0) {
            float *t = L->ready;
            L->ready = L->next;
            L->next = t;
        }
        /* phase 0: forward FFT + first slice of products; phases
         * 1..R-2: the remaining slices; phase R-1: inverse FFT. */
        if (phase == 0)
            level_input(L);
        if (phase + 1 < R) {
            size_t j0 = L->n * phase / (R - 1), j1 = L->n * (phase + 1) / (R - 1);
            mac_parts(L, j0, j1);
        } else {
            level_output(L, L->next);
        }
        const float *src = L->ready + pos * B;
        for (size_t i = 0; i < B; i++)
            y[i] += src[i];
    }
    p->tick++;
}

ssm_status ssm_partconv_process(ssm_partconv *p, const float *in, float *out, size_t n)
{
    const size_t B = p->B;
    if (p->zero_latency) {
        if (n % B) {
            memset(out, 0, n * sizeof(float));
            return SSM_ERR_INVALID;
        }
        for (size_t t = 0; t < n; t += B) {
            memcpy(p->inq, in + t, B * sizeof(float));
            run_block(p, out + t);
        }
        return SSM_OK;
    }
    for (size_t t = 0; t < n;) {
        size_t k = B - p->fill;
        if (k > n - t)
            k = n - t;
        /* Read the input before writing the output: out may equal in. */
        for (size_t i = 0; i < k; i++) {
            float u = in[t + i];
            out[t + i] = p->outq[p->fill + i];
            p->inq[p->fill + i] = u;
        }
        p->fill += k;
        t += k;
        if (p->fill == B) {
            run_block(p, p->outq);
            p->fill = 0;
        }
    }
    return SSM_OK;
}
