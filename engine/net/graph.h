/* Private: the one network builder. A model file of architecture "graph-v1"
 * describes its layers as data (metadata "ssm.graph", a JSON graph;
 * docs/model-format.md), and ssm_graph_create builds any such network from
 * the layer kinds of engine/net/layer_<kind>.c.
 *
 * A graph instance runs one set of `inputs` audio channels (interleaved
 * frames [n][inputs]) at the graph's own clock: one instance per channel
 * for a mono graph (engine/net/netrun.c does that, behind the rate bridge
 * where the graph is rate-bound).
 */
#ifndef SSM_NET_GRAPH_H
#define SSM_NET_GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "net/layer.h"
#include "ssm/model.h"
#include "ssm/ssmaudio.h"

typedef struct ssm_graph ssm_graph;

/* Parses, validates and builds every node. The model must outlive the
 * graph (layers read its tensors in place). Errors name the file, the node
 * id, its kind and the reason. */
ssm_graph *ssm_graph_create(const ssm_model *m, ssm_error *err);
void ssm_graph_destroy(ssm_graph *g);

size_t ssm_graph_inputs(const ssm_graph *g); /* audio channels in == out */
double ssm_graph_rate(const ssm_graph *g);   /* ssm.sample_rate: the trained rate */
/* The first rate-bound node (its index), or -1 when every layer can be
 * re-discretised for another rate. */
long ssm_graph_rate_bound(const ssm_graph *g);
/* Audio output latency in samples, from the graph (each kind says what it adds). */
uint32_t ssm_graph_latency(const ssm_graph *g);

size_t ssm_graph_n_nodes(const ssm_graph *g);
const char *ssm_graph_node_id(const ssm_graph *g, size_t node);
const char *ssm_graph_node_kind(const ssm_graph *g, size_t node);
const ssm_stream *ssm_graph_node_stream(const ssm_graph *g, size_t node);
/* Index of a node by id, or -1. */
long ssm_graph_find(const ssm_graph *g, const char *id);

/* The plan hook. Before activate: pin the offline schedule of a node
 * (SSM_ERR_INVALID when its kind does not offer it); unpinned nodes take
 * their kind's cost rule at activate. After activate: the schedule chosen. */
ssm_status ssm_graph_pin_schedule(ssm_graph *g, size_t node, ssm_schedule s);
ssm_schedule ssm_graph_schedule(const ssm_graph *g, size_t node);

/* dt_scale: trained rate / host rate (1 when the graph runs at its own
 * rate). max_block: the most frames per process call. Sizes every buffer;
 * nothing allocates afterwards. May be called again (re-activation). */
ssm_status ssm_graph_activate(ssm_graph *g, double dt_scale, uint32_t max_block, ssm_error *err);
void ssm_graph_set_mode(ssm_graph *g, ssm_mode mode);
/* Real-time safe. in, out: [n][inputs] interleaved; they may alias. */
void ssm_graph_process(ssm_graph *g, const float *in, float *out, uint32_t n);
/* Clear all state and the clock (real-time safe). */
void ssm_graph_reset(ssm_graph *g);

/* Outputs: index 0 is "audio"; the others are the graph's meters. */
size_t ssm_graph_n_outputs(const ssm_graph *g);
const char *ssm_graph_output_name(const ssm_graph *g, size_t i);
long ssm_graph_output_index(const ssm_graph *g, const char *name); /* -1: none */
/* The frames output i produced in the last process call ([n][width]). */
const float *ssm_graph_output_frames(const ssm_graph *g, size_t i, size_t *n, size_t *width);
/* A meter's value: element 0 of the last frame output i produced (held
 * across calls that produce none; 0 after reset). */
float ssm_graph_meter(const ssm_graph *g, size_t i);

#endif
