/* ssmaudio LV2 host (lilv): runs any LV2 audio plugin, ours or anyone
 * else's, in chains, for ssm-render (offline, freeWheeling, big blocks) and
 * ssm-live (streaming, small blocks).
 *
 * Everything but ssm_lv2_plugin_run() and ssm_lv2_chain_run() may allocate,
 * lock and read files. The run functions are real-time safe: they touch no
 * allocator, lock, file or log; work a plugin schedules goes to its worker
 * thread through a lock-free ring (or runs inline when freewheeling).
 */
#ifndef SSM_LV2HOST_H
#define SSM_LV2HOST_H

#include <stdint.h>

#include "ssm/ssmaudio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The lilv world (every installed bundle, plus LV2_PATH) and the URID map.
 * One per process; instantiation through it is serialised internally, so
 * threads may create plugins concurrently. */
typedef struct ssm_lv2_world ssm_lv2_world;

SSM_API ssm_lv2_world *ssm_lv2_world_create(ssm_error *err);
SSM_API void ssm_lv2_world_destroy(ssm_lv2_world *w);
/* Whether a plugin with this URI is installed. */
SSM_API int ssm_lv2_world_has_plugin(ssm_lv2_world *w, const char *uri);

typedef struct {
    double sample_rate;
    uint32_t max_block;     /* no run() gets more frames (boundedBlockLength) */
    uint32_t nominal_block; /* the usual block length; 0 = max_block */
    int freewheel;          /* offline: lv2:freeWheeling port on, worker runs inline */
} ssm_lv2_config;

typedef struct ssm_lv2_plugin ssm_lv2_plugin;

/* Instantiate and activate. Applies the plugin's default state when it asks
 * for state:loadDefaultState. */
SSM_API ssm_lv2_plugin *ssm_lv2_plugin_create(ssm_lv2_world *w, const char *uri,
                                              const ssm_lv2_config *cfg, ssm_error *err);
SSM_API void ssm_lv2_plugin_destroy(ssm_lv2_plugin *p);
SSM_API const char *ssm_lv2_plugin_uri(const ssm_lv2_plugin *p);
SSM_API uint32_t ssm_lv2_plugin_n_audio_in(const ssm_lv2_plugin *p);
SSM_API uint32_t ssm_lv2_plugin_n_audio_out(const ssm_lv2_plugin *p);
/* Frames of latency the plugin reports on its lv2:latency port (read after a
 * run, as the spec says), or 0 if it has none; has_latency_port says which. */
SSM_API uint32_t ssm_lv2_plugin_latency(const ssm_lv2_plugin *p);
SSM_API int ssm_lv2_plugin_has_latency_port(const ssm_lv2_plugin *p);
/* The first message the plugin logged as an error (log:Error: a model file
 * it could not load, say), or NULL. A plugin that reported an error may be
 * running as something else than asked (ssm-model passes audio through),
 * so a batch host treats it as failed. Safe to call while its worker runs. */
SSM_API const char *ssm_lv2_plugin_error(const ssm_lv2_plugin *p);

/* Set an input control port by symbol (clamped to its range). Not real-time
 * (compares strings); errors name the plugin and list the symbols. */
SSM_API ssm_status ssm_lv2_plugin_set_control(ssm_lv2_plugin *p, const char *symbol, float value,
                                              ssm_error *err);
/* The current value of a control port (input or output), or NAN. */
SSM_API float ssm_lv2_plugin_get_control(const ssm_lv2_plugin *p, const char *symbol);
/* Apply a preset, given by its URI or its rdfs:label. */
SSM_API ssm_status ssm_lv2_plugin_apply_preset(ssm_lv2_plugin *p, const char *preset,
                                               ssm_error *err);
/* The plugin's full state (control ports + state:interface) as Turtle;
 * free() it. */
SSM_API char *ssm_lv2_plugin_save_state(ssm_lv2_plugin *p, ssm_error *err);
SSM_API ssm_status ssm_lv2_plugin_restore_state(ssm_lv2_plugin *p, const char *turtle,
                                                ssm_error *err);

/* Real-time safe. in[i] for i < n_audio_in, out[i] for i < n_audio_out;
 * n_frames of any size (split into max_block pieces). */
SSM_API void ssm_lv2_plugin_run(ssm_lv2_plugin *p, const float *const *in, float *const *out,
                                uint32_t n_frames);
/* Deactivate + activate: clears the plugin's running state. Not real-time. */
SSM_API void ssm_lv2_plugin_reset(ssm_lv2_plugin *p);

/* A chain: plugins in series over n_channels of audio. A plugin whose
 * audio in/out count equals n_channels runs once; a mono plugin runs once
 * per channel; on a mono signal, a plugin with k ins and k outs gets the
 * signal on every input and its outputs averaged back to mono; anything
 * else is refused with an error naming the plugin. */
typedef struct ssm_lv2_chain ssm_lv2_chain;

typedef struct {
    const char *uri;    /* plugin URI */
    const char *preset; /* preset URI or label, or NULL */
} ssm_lv2_stage_desc;

typedef struct {
    const char *symbol;
    float value;
} ssm_lv2_setting;

/* settings apply to every stage that has the symbol (an unknown symbol is an
 * error only if no stage has it). */
SSM_API ssm_lv2_chain *ssm_lv2_chain_create(ssm_lv2_world *w, const ssm_lv2_stage_desc *stages,
                                            uint32_t n_stages, const ssm_lv2_setting *settings,
                                            uint32_t n_settings, uint32_t n_channels,
                                            const ssm_lv2_config *cfg, ssm_error *err);
SSM_API void ssm_lv2_chain_destroy(ssm_lv2_chain *c);
/* Real-time safe; in and out may alias. n_frames of any size. */
SSM_API void ssm_lv2_chain_run(ssm_lv2_chain *c, const float *const *in, float *const *out,
                               uint32_t n_frames);
/* Sum of the stages' reported latencies. */
SSM_API uint32_t ssm_lv2_chain_latency(const ssm_lv2_chain *c);
/* The first error any instance logged (ssm_lv2_plugin_error), with that
 * plugin's URI in *uri (may be NULL), or NULL. */
SSM_API const char *ssm_lv2_chain_error(const ssm_lv2_chain *c, const char **uri);
SSM_API uint32_t ssm_lv2_chain_n_stages(const ssm_lv2_chain *c);
/* The first instance of stage i (for its latency, controls, state). */
SSM_API ssm_lv2_plugin *ssm_lv2_chain_stage(ssm_lv2_chain *c, uint32_t i);
SSM_API void ssm_lv2_chain_reset(ssm_lv2_chain *c);

#ifdef __cplusplus
}
#endif
#endif
