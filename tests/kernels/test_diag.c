/* The diagonal bank object (ssm_diag) beyond S4D: the weights on the input
 * (modal filters), coefficient glides and coefficient jumps, each against
 * the defining recurrence evaluated in double:
 *
 *   input weights:   x[t] = lambda x[t-1] + w u[t],  y = Re(sum x) + d u
 *   output weights:  x[t] = lambda x[t-1] + u[t],    y = Re(sum w x) + d u
 *
 * with, during a glide from c0 to c1 over R samples, c(t) = c0 + (t+1)/R
 * (c1 - c0) for every coefficient (lambda, w, d). Also: both offline
 * schedules follow a glide or a jump (their tables are re-derived), the two
 * weightings give one filter while coefficients stay fixed, and a mismatched
 * bank is refused. */
#include <complex.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

/* Random stable bank: |lambda| in [0.9, 0.9995]. */
static void random_bank(ssm_diag_bank *b, th_rng *r)
{
    for (size_t h = 0; h < b->channels; h++) {
        for (size_t m = 0; m < b->modes; m++) {
            const double rad = 0.9 + 0.0995 * th_uniform(r), ph = M_PI * th_uniform(r);
            ssm_diag_bank_set(b, h, m, rad * cos(ph), rad * sin(ph), th_normal(r), th_normal(r));
        }
        b->d[h] = (float)th_normal(r);
    }
}

/* The recurrence in double over n samples, coefficients moving from a to b
 * along c(t) = a + (t0 + t + 1)/R (b - a) (R = 0: fixed at a), state x
 * ([channels][modes]) carried in and out. Planar u, y with leading
 * dimension ld. */
static void reference(const ssm_diag_bank *a, const ssm_diag_bank *b, size_t t0, size_t R,
                      double complex *x, const float *u, float *y, size_t ld, size_t n)
{
    const int w_in = a->weighting == SSM_DIAG_WEIGHT_INPUT;
    for (size_t h = 0; h < a->channels; h++)
        for (size_t t = 0; t < n; t++) {
            const double f = R ? (double)(t0 + t + 1) / (double)R : 0.0;
            const double ut = u[h * ld + t];
            double acc = 0.0;
            for (size_t m = 0; m < a->modes; m++) {
                const size_t i = h * a->stride + m;
                const double complex la = a->lam_re[i] + I * (double)a->lam_im[i];
                const double complex lb = b->lam_re[i] + I * (double)b->lam_im[i];
                const double complex wa = a->w_re[i] + I * (double)a->w_im[i];
                const double complex wb = b->w_re[i] + I * (double)b->w_im[i];
                const double complex lam = la + f * (lb - la), w = wa + f * (wb - wa);
                double complex *xm = &x[h * a->modes + m];
                *xm = lam * *xm + (w_in ? w * ut : ut);
                acc += creal(w_in ? *xm : w * *xm);
            }
            const double d = a->d[h] + f * ((double)b->d[h] - a->d[h]);
            y[h * ld + t] = (float)(acc + d * ut);
        }
}

/* Samples [t0, t0 + len) of every channel (planar, ld n) against the same
 * span of the reference. */
static void close_span(const char *what, const float *y, const float *yr, size_t H, size_t n,
                       size_t t0, size_t len)
{
    float *got = malloc(H * len * sizeof(float)), *want = malloc(H * len * sizeof(float));
    for (size_t h = 0; h < H; h++) {
        memcpy(got + h * len, y + h * n + t0, len * sizeof(float));
        memcpy(want + h * len, yr + h * n + t0, len * sizeof(float));
    }
    th_close_f(what, got, want, H * len, 1e-4);
    free(got);
    free(want);
}

static int banks_equal(const ssm_diag_bank *a, const ssm_diag_bank *b)
{
    const size_t n = a->channels * a->stride * sizeof(float);
    return !memcmp(a->lam_re, b->lam_re, n) && !memcmp(a->lam_im, b->lam_im, n) &&
           !memcmp(a->w_re, b->w_re, n) && !memcmp(a->w_im, b->w_im, n) &&
           !memcmp(a->d, b->d, a->channels * sizeof(float));
}

/* One weighting: forms against the reference with fixed coefficients, a
 * glide cut into random calls, the arrival, a jump, and what the offline
 * schedules do after each. */
static void check_weighting(ssm_diag_weighting wt, size_t H, size_t M, size_t n)
{
    const char *name = wt == SSM_DIAG_WEIGHT_INPUT ? "input weights" : "output weights";
    char what[128];
    th_rng r = {0x5eed + M + 7 * wt};
    ssm_diag_bank a, b;
    CHECK(ssm_diag_bank_init(&a, H, M) == SSM_OK && ssm_diag_bank_init(&b, H, M) == SSM_OK,
          "banks");
    a.weighting = b.weighting = wt;
    random_bank(&a, &r);
    random_bank(&b, &r);
    ssm_status st;
    ssm_diag *ds = ssm_diag_create(&a, &(ssm_diag_config){.chunk = 200}, &st);
    ssm_diag *df = ssm_diag_create(&a, &(ssm_diag_config){.chunk = 200}, &st);
    ssm_diag *dn =
        ssm_diag_create(&a, &(ssm_diag_config){.chunk = 200, .method = SSM_DIAG_SCAN}, &st);
    CHECK(ds && df && dn, "%s: create: %s", name, ssm_status_string(st));
    if (!ds || !df || !dn)
        goto out;
    ssm_diag *all[3] = {ds, df, dn};
    const char *form[3] = {"step", "chunked FFT", "chunked scan"};
    ssm_diag_set_mode(df, SSM_MODE_OFFLINE);
    ssm_diag_set_mode(dn, SSM_MODE_OFFLINE);

    float *u = malloc(H * n * sizeof(float)), *yr = malloc(H * n * sizeof(float));
    float *y = malloc(H * n * sizeof(float));
    double complex *x = calloc(H * M, sizeof *x);
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);

    /* Fixed coefficients: every form against the recurrence. */
    const size_t n1 = n / 3;
    reference(&a, &a, 0, 0, x, u, yr, n, n1);
    for (size_t k = 0; k < 3; k++) {
        for (size_t t = 0; t < n1;) {
            size_t blk = 1 + (size_t)(th_uniform(&r) * 500.0);
            blk = blk > n1 - t ? n1 - t : blk;
            ssm_diag_process(all[k], u + t, n, y + t, n, blk);
            t += blk;
        }
        snprintf(what, sizeof what, "%s: %s vs double recurrence", name, form[k]);
        close_span(what, y, yr, H, n, 0, n1);
    }

    /* A glide from a to b over R samples in random pieces (the recurrence
     * runs whatever the mode), then the offline forms go on with b. */
    const size_t R = n / 3, n2 = n - n1 - R;
    reference(&a, &b, 0, R, x, u + n1, yr + n1, n, R);
    reference(&b, &b, 0, 0, x, u + n1 + R, yr + n1 + R, n, n2);
    for (size_t k = 0; k < 3; k++) {
        for (size_t t = 0; t < R;) {
            size_t blk = 1 + (size_t)(th_uniform(&r) * 300.0);
            blk = blk > R - t ? R - t : blk;
            CHECK(ssm_diag_glide(all[k], &b, u + n1 + t, n, y + n1 + t, n, blk, R - t) == SSM_OK,
                  "glide");
            t += blk;
        }
        CHECK(banks_equal(ssm_diag_get_bank(all[k]), &b), "%s: the glide arrives at the target",
              name);
        ssm_diag_process(all[k], u + n1 + R, n, y + n1 + R, n, n2);
        float *got = malloc(H * (R + n2) * sizeof(float)),
              *want = malloc(H * (R + n2) * sizeof(float));
        for (size_t h = 0; h < H; h++) {
            memcpy(got + h * (R + n2), y + h * n + n1, (R + n2) * sizeof(float));
            memcpy(want + h * (R + n2), yr + h * n + n1, (R + n2) * sizeof(float));
        }
        snprintf(what, sizeof what, "%s: glide, then %s, vs double", name, form[k]);
        th_close_f(what, got, want, H * (R + n2), 1e-4);
        free(got);
        free(want);
    }

    /* A jump back to a: the state stays, the coefficients change at once,
     * and the offline schedules follow. */
    for (size_t k = 0; k < 3; k++)
        CHECK(ssm_diag_set_bank(all[k], &a) == SSM_OK, "set_bank");
    const size_t n3 = n / 4;
    reference(&a, &a, 0, 0, x, u, yr, n, n3);
    for (size_t k = 0; k < 3; k++) {
        ssm_diag_process(all[k], u, n, y, n, n3);
        snprintf(what, sizeof what, "%s: jump, then %s, vs double", name, form[k]);
        close_span(what, y, yr, H, n, 0, n3);
    }

    /* Shapes must match. */
    ssm_diag_bank c;
    CHECK(ssm_diag_bank_init(&c, H, M + 1) == SSM_OK, "bank");
    c.weighting = wt;
    CHECK(ssm_diag_set_bank(ds, &c) == SSM_ERR_INVALID, "%s: a bank of other modes is refused",
          name);
    c.weighting = wt == SSM_DIAG_WEIGHT_INPUT ? SSM_DIAG_WEIGHT_OUTPUT : SSM_DIAG_WEIGHT_INPUT;
    CHECK(ssm_diag_glide(ds, &c, u, n, y, n, 10, 10) == SSM_ERR_INVALID,
          "%s: a glide to another weighting is refused", name);
    ssm_diag_bank_free(&c);
    free(u);
    free(yr);
    free(y);
    free(x);
out:
    ssm_diag_destroy(ds);
    ssm_diag_destroy(df);
    ssm_diag_destroy(dn);
    ssm_diag_bank_free(&a);
    ssm_diag_bank_free(&b);
}

/* Fixed coefficients: the weight on either side gives the same output from
 * the zero state (one impulse response). */
static void check_same_filter(void)
{
    const size_t H = 2, M = 37, n = 3000;
    th_rng r = {99};
    ssm_diag_bank a;
    CHECK(ssm_diag_bank_init(&a, H, M) == SSM_OK, "bank");
    random_bank(&a, &r);
    ssm_diag *out = ssm_diag_create(&a, NULL, NULL);
    a.weighting = SSM_DIAG_WEIGHT_INPUT;
    ssm_diag *in = ssm_diag_create(&a, NULL, NULL);
    float *u = malloc(H * n * sizeof(float)), *y1 = malloc(H * n * sizeof(float)),
          *y2 = malloc(H * n * sizeof(float));
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);
    CHECK(out && in, "create");
    if (out && in) {
        ssm_diag_process(out, u, n, y1, n, n);
        ssm_diag_process(in, u, n, y2, n, n);
        th_close_f("weights on input == on output (fixed)", y2, y1, H * n, 1e-4);
    }
    ssm_diag_destroy(out);
    ssm_diag_destroy(in);
    ssm_diag_bank_free(&a);
    free(u);
    free(y1);
    free(y2);
}

/* A plan names one of the exact schedules with a usable chunk. */
static int plan_valid(ssm_diag_plan p, size_t block)
{
    if (p.method == SSM_DIAG_STEP)
        return 1;
    return (p.method == SSM_DIAG_FFT || p.method == SSM_DIAG_SCAN) && p.chunk >= 1 &&
           p.chunk <= 1024 && (p.chunk & (p.chunk - 1)) == 0 && p.min_block <= block;
}

/* The planned offline form: whatever the plan (ESTIMATE's model or
 * MEASURE's timing), offline output is the recurrence's, a mode switch
 * keeps the state, MEASURE keeps its answer per shape, and the step
 * scheduled offline is the streaming form itself, sample for sample. */
static void check_plan(ssm_plan_rigor rigor, size_t H, size_t M, size_t block, size_t n)
{
    const char *rname = rigor == SSM_PLAN_MEASURE ? "MEASURE" : "ESTIMATE";
    char what[160];
    th_rng r = {0x9a11 + M + block};
    ssm_diag_bank a;
    CHECK(ssm_diag_bank_init(&a, H, M) == SSM_OK, "bank");
    random_bank(&a, &r);
    const ssm_diag_plan p = ssm_diag_plan_offline(H, M, a.weighting, block, rigor);
    printf("plan %s H=%zu M=%zu block %zu: method %d chunk %zu min_block %zu\n", rname, H, M, block,
           (int)p.method, p.chunk, p.min_block);
    CHECK(plan_valid(p, block), "%s: plan for %zu x %zu at %zu is no schedule", rname, H, M, block);
    const ssm_diag_plan q = ssm_diag_plan_offline(H, M, a.weighting, block, rigor);
    CHECK(q.method == p.method && q.chunk == p.chunk && q.min_block == p.min_block,
          "%s: the same shape gets the same plan", rname);
    ssm_status st;
    ssm_diag *d = ssm_diag_create(
        &a, &(ssm_diag_config){.method = SSM_DIAG_PLANNED, .rigor = rigor, .block = block}, &st);
    CHECK(d != NULL, "planned create: %s", ssm_status_string(st));
    if (!d) {
        ssm_diag_bank_free(&a);
        return;
    }
    const ssm_diag_plan g = ssm_diag_get_plan(d);
    CHECK(g.method == p.method && g.chunk == p.chunk && g.min_block == p.min_block,
          "%s: the object runs the plan", rname);
    float *u = malloc(H * n * sizeof(float)), *y = malloc(H * n * sizeof(float));
    float *yr = malloc(H * n * sizeof(float));
    double complex *x = calloc(H * M, sizeof *x);
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);
    reference(&a, &a, 0, 0, x, u, yr, n, n);
    /* Offline in calls of up to the planned block (some far shorter, below
     * any min_block), switching to streaming and back now and then. */
    for (size_t t = 0; t < n;) {
        size_t blk = th_uniform(&r) < 0.3 ? 1 + (size_t)(th_uniform(&r) * 8.0)
                                          : 1 + (size_t)(th_uniform(&r) * (double)block);
        blk = blk > n - t ? n - t : blk;
        ssm_diag_set_mode(d, th_uniform(&r) < 0.2 ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
        ssm_diag_process(d, u + t, n, y + t, n, blk);
        t += blk;
    }
    snprintf(what, sizeof what, "planned (%s, method %d) vs double, H=%zu M=%zu", rname,
             (int)p.method, H, M);
    close_span(what, y, yr, H, n, 0, n);

    /* The step as the offline schedule is the recurrence, exactly. */
    ssm_diag *s = ssm_diag_create(&a, NULL, NULL);
    ssm_diag *o = ssm_diag_create(&a, &(ssm_diag_config){.method = SSM_DIAG_STEP}, NULL);
    CHECK(s && o, "create");
    if (s && o) {
        ssm_diag_set_mode(o, SSM_MODE_OFFLINE);
        ssm_diag_process(s, u, n, y, n, n);
        ssm_diag_process(o, u, n, yr, n, n);
        CHECK(!memcmp(y, yr, H * n * sizeof(float)),
              "the step scheduled offline gives the streaming form's samples");
    }
    ssm_diag_destroy(s);
    ssm_diag_destroy(o);
    ssm_diag_destroy(d);
    free(u), free(y), free(yr), free(x);
    ssm_diag_bank_free(&a);
}

/* Frame-major data ([n][channels], in place) through
 * ssm_diag_process_strided gives the channel-major samples: exactly where
 * the same arithmetic runs (channels that do not fill whole vectors), to
 * float rounding where the channels fill vectors and the turned bank runs
 * (its sums over modes go in another order); and the state carries across
 * every switch between the layouts, the schedules, a coefficient jump and
 * a glide. */
static void check_strided(size_t H, size_t M, ssm_diag_weighting wt, size_t n)
{
    th_rng r = {0x57d + H + M + wt};
    char what[160];
    ssm_diag_bank a, b;
    CHECK(ssm_diag_bank_init(&a, H, M) == SSM_OK && ssm_diag_bank_init(&b, H, M) == SSM_OK, "bank");
    a.weighting = b.weighting = wt;
    random_bank(&a, &r);
    random_bank(&b, &r);
    float *u = malloc(H * n * sizeof(float)), *y = malloc(H * n * sizeof(float));
    float *f = malloc(H * n * sizeof(float)), *g = malloc(H * n * sizeof(float));
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);
    const int exact = H % 16 != 0 && H % 8 != 0 && H % 4 != 0;
    const ssm_diag_method methods[] = {SSM_DIAG_STEP, SSM_DIAG_FFT, SSM_DIAG_SCAN};
    for (size_t k = 0; k < 3; k++) {
        const ssm_diag_config cfg = {.chunk = 100, .method = methods[k]};
        ssm_diag *cm = ssm_diag_create(&a, &cfg, NULL), *fm = ssm_diag_create(&a, &cfg, NULL);
        CHECK(cm && fm, "create");
        if (!cm || !fm) {
            ssm_diag_destroy(cm);
            ssm_diag_destroy(fm);
            continue;
        }
        for (size_t t = 0; t < n; t++)
            for (size_t h = 0; h < H; h++)
                f[t * H + h] = u[h * n + t];
        th_rng rb = {7};
        size_t events = 0;
        for (size_t t = 0; t < n;) {
            size_t blk = 1 + (size_t)(th_uniform(&rb) * 250.0);
            blk = blk > n - t ? n - t : blk;
            const double e = th_uniform(&rb);
            const ssm_mode mode = e < 0.5 ? SSM_MODE_OFFLINE : SSM_MODE_STREAM;
            ssm_diag_set_mode(cm, mode);
            ssm_diag_set_mode(fm, mode);
            if (e > 0.97 && events++ % 2 == 0) {
                /* A jump to b and back is the same on both. */
                CHECK(ssm_diag_set_bank(cm, &b) == SSM_OK && ssm_diag_set_bank(fm, &b) == SSM_OK,
                      "set_bank");
            } else if (e > 0.97) {
                for (size_t h = 0; h < H; h++)
                    for (size_t j = 0; j < blk; j++)
                        g[h * blk + j] = f[(t + j) * H + h];
                ssm_diag_glide(cm, &a, u + t, n, y + t, n, blk, blk);
                ssm_diag_glide(fm, &a, g, blk, g, blk, blk, blk);
                for (size_t h = 0; h < H; h++)
                    for (size_t j = 0; j < blk; j++)
                        f[(t + j) * H + h] = g[h * blk + j];
                t += blk;
                continue;
            }
            ssm_diag_process(cm, u + t, n, y + t, n, blk);
            if (th_uniform(&rb) < 0.2) {
                /* Now and then the channel-major path on the same object. */
                for (size_t h = 0; h < H; h++)
                    for (size_t j = 0; j < blk; j++)
                        g[h * blk + j] = f[(t + j) * H + h];
                ssm_diag_process(fm, g, blk, g, blk, blk);
                for (size_t h = 0; h < H; h++)
                    for (size_t j = 0; j < blk; j++)
                        f[(t + j) * H + h] = g[h * blk + j];
            } else {
                ssm_diag_process_strided(fm, f + t * H, 1, H, f + t * H, 1, H, blk);
            }
            t += blk;
        }
        for (size_t t = 0; t < n; t++)
            for (size_t h = 0; h < H; h++)
                g[h * n + t] = f[t * H + h];
        snprintf(what, sizeof what, "frame-major, method %d, H=%zu M=%zu %s weights",
                 (int)methods[k], H, M, wt == SSM_DIAG_WEIGHT_INPUT ? "input" : "output");
        const double rel = th_close_f(what, g, y, H * n, exact ? 0.0 : 1e-5);
        if (exact)
            CHECK(rel == 0.0, "%s: not the channel-major samples exactly", what);
        ssm_diag_destroy(cm);
        ssm_diag_destroy(fm);
    }
    free(u), free(y), free(f), free(g);
    ssm_diag_bank_free(&a);
    ssm_diag_bank_free(&b);
}

int main(void)
{
    const size_t n = th_scale(30000, 6000);
    /* Mode counts that exercise full register tiles and every remainder. */
    check_weighting(SSM_DIAG_WEIGHT_INPUT, 2, 70, n);
    check_weighting(SSM_DIAG_WEIGHT_INPUT, 1, 64, n);
    check_weighting(SSM_DIAG_WEIGHT_OUTPUT, 3, 40, n);
    check_weighting(SSM_DIAG_WEIGHT_OUTPUT, 1, 9, n);
    /* One or two groups a channel: channels share a tile (whole tiles and
     * the channels left over). */
    check_weighting(SSM_DIAG_WEIGHT_OUTPUT, 7, 16, n / 2);
    check_weighting(SSM_DIAG_WEIGHT_INPUT, 9, 5, n / 2);
    check_weighting(SSM_DIAG_WEIGHT_OUTPUT, 5, 30, n / 2);
    check_weighting(SSM_DIAG_WEIGHT_INPUT, 4, 17, n / 2);
    check_same_filter();
    check_strided(7, 16, SSM_DIAG_WEIGHT_OUTPUT, n / 10);
    check_strided(3, 40, SSM_DIAG_WEIGHT_INPUT, n / 10);
    /* Channels filling vectors at every level: the turned bank. */
    check_strided(32, 16, SSM_DIAG_WEIGHT_OUTPUT, n / 10);
    check_strided(48, 5, SSM_DIAG_WEIGHT_INPUT, n / 10);
    check_strided(16, 21, SSM_DIAG_WEIGHT_OUTPUT, n / 10);
    check_plan(SSM_PLAN_ESTIMATE, 6, 16, 171, n / 4);
    check_plan(SSM_PLAN_ESTIMATE, 2, 300, 8192, n / 2);
    check_plan(SSM_PLAN_MEASURE, 5, 16, 171, n / 4);
    check_plan(SSM_PLAN_MEASURE, 2, 200, 2048, n / 2);
    return th_finish("test_diag");
}
