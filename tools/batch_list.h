/* The files one ssm-render run renders, and where each output goes.
 *
 * Arguments are files or folders; a folder is searched recursively for
 * audio files (by extension, ssm_audio_file_extension_known; hidden
 * entries, the output folder and non-regular files are skipped) in byte
 * order of their names, so every shard of a batch sees the same list. The
 * inputs' tree below their deepest common folder is mirrored under the
 * output folder: corpus/a/x.wav and corpus/b/x.wav become OUT/a/x.wav and
 * OUT/b/x.wav, so two inputs can only share an output if they are the same
 * path. Outputs are checked against the whole list, not one shard of it:
 * an output that is an input, or that two items would write, is marked
 * with the reason (the first item keeps it). */
#ifndef SSM_TOOLS_BATCH_LIST_H
#define SSM_TOOLS_BATCH_LIST_H

#include <stddef.h>

typedef struct {
    char *in;      /* the input as an argument named it, or as found in a folder */
    char *out;     /* its output path */
    char *problem; /* why it is not rendered, or NULL */
} batch_item;

typedef struct {
    batch_item *items;
    size_t n;
} batch_list;

/* single: output is the output file of the one input argument; otherwise
 * output is an existing folder. Returns 0, or -1 with why set (out of
 * memory, a folder that cannot be read, no audio files at all). */
int batch_list_make(batch_list *list, char *const *args, size_t n_args, const char *output,
                    int single, char *why, size_t why_size);
void batch_list_free(batch_list *list);

#endif
