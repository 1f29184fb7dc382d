/* mammo_prep.h: the C ABI of mammo-prep (libmammo_prep.so), for bindings such as the Python
 * package (ctypes). docs/python.md, "The C ABI", is the contract; this header is its reference.
 *
 * Pure C. Every entry point returns a status; no Swift error or C++ exception crosses it, and no
 * process-wide state is kept: handles own everything. A pipeline is immutable and may be used
 * from any number of threads at once; a workspace belongs to one thread at a time.
 *
 * Errors: on a status other than MAMMO_PREP_OK, *error (when error != NULL) receives a malloc'd
 * JSON object {"message": the one line the CLI prints, "path": string|null, "stage": string|null,
 * "code": string|null} plus "needed": integer for MAMMO_PREP_BUFFER. Messages never contain patient
 * names or IDs. Every char * an entry point returns must be released with mammo_prep_free.
 */
#ifndef MAMMO_PREP_H
#define MAMMO_PREP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAMMO_PREP_ABI_VERSION 1

/* MAMMO_PREP_ABI_VERSION of the library (compare with the header's). */
int mammo_prep_abi_version(void);
/* The tool version, e.g. "0.1.0": a static string, not freed. */
const char *mammo_prep_version(void);

typedef enum {
    MAMMO_PREP_OK = 0,
    MAMMO_PREP_USAGE = 1,     /* invalid, unknown or contradictory options (the CLI's wording) */
    MAMMO_PREP_FAILED = 2,    /* the input (or a file an option names) failed: path, stage, code */
    MAMMO_PREP_BUFFER = 3,    /* the caller's buffer is too small: "needed" elements */
    MAMMO_PREP_INTERNAL = 4   /* anything else (a bug) */
} mammo_prep_status;

/* Releases a string returned by any entry point. NULL is ignored. */
void mammo_prep_free(char *p);

/* An input: exactly one of `path` or (`bytes`, `length`). `name` is what errors and records call
 * an in-memory input (e.g. a tar member's name); NULL means "<memory>". In-memory DICOM is read by
 * DCMTK from the buffer, TIFF by libtiff over it (no temporary file); the bytes need only live for
 * the call. */
typedef struct {
    const char *path;
    const unsigned char *bytes;
    size_t length;
    const char *name;
} mammo_prep_source;

typedef struct mammo_prep_pipeline mammo_prep_pipeline;     /* immutable, thread-safe */
typedef struct mammo_prep_workspace mammo_prep_workspace;   /* one per thread; reuses buffers */

/* A pipeline from `convert`'s options as a JSON object: keys are long flags without "--"
 * ("size", "voi-source", "crop-breast", "model", "window", "stats", "reduce", ...); values a
 * string (the flag's text), a number, true (flag present), false or null (left out). Parsed by
 * convert's own option definitions: errors have the CLI's wording. Output-folder and batch
 * options (out, format, frame, jobs, shard, quiet, overwrite) are unknown here; the frame is
 * chosen per call. A --stats file that cannot be used is MAMMO_PREP_FAILED. */
mammo_prep_status mammo_prep_pipeline_create(const char *options_json, mammo_prep_pipeline **out, char **error);
/* The pipeline of the convert run that wrote `spec_json` (the text of its preprocess.json).
 * Strict: unknown members or inconsistent values are MAMMO_PREP_USAGE. */
mammo_prep_status mammo_prep_pipeline_from_spec(const char *spec_json, mammo_prep_pipeline **out, char **error);
/* NULL is ignored. */
void mammo_prep_pipeline_destroy(mammo_prep_pipeline *p);
/* The pipeline as preprocess.json's object (from_spec of it gives the same pipeline). */
mammo_prep_status mammo_prep_pipeline_spec(const mammo_prep_pipeline *p, char **spec_json, char **error);

mammo_prep_workspace *mammo_prep_workspace_create(void);
/* NULL is ignored. */
void mammo_prep_workspace_destroy(mammo_prep_workspace *w);

/* Output shape (C, H, W) of frame `frame` of a source, from its header (nothing is decoded).
 * *exact = 0 when only an upper bound is known before decoding (a breast crop without a fixed
 * size): shape is then the bound. */
mammo_prep_status mammo_prep_output_shape(const mammo_prep_pipeline *p, const mammo_prep_source *src, int frame,
                                          int64_t shape[3], int *exact, char **error);
/* Runs the pipeline on frame `frame` into out[0 ..< capacity] (float32, C order, (C, H, W));
 * shape receives the tensor's (C, H, W), also with MAMMO_PREP_BUFFER. record (nullable):
 * the decision record, convert's manifest line for this image as JSON (without "output").
 * workspace may be NULL (a temporary one is used). */
mammo_prep_status mammo_prep_run(const mammo_prep_pipeline *p, mammo_prep_workspace *w,
                                 const mammo_prep_source *src, int frame,
                                 float *out, size_t capacity, int64_t shape[3], char **record, char **error);

/* `inspect --json`'s object for one source. */
mammo_prep_status mammo_prep_inspect(const mammo_prep_source *src, char **json, char **error);
/* `stats` over `count` paths (files or folders) with the stats command's options as JSON (as for
 * pipeline_create; out, per-image and quiet are unknown here): *stats_json receives the
 * stats.json object. Inputs that fail are recorded in it, as the command does; a usage error or
 * no input is not MAMMO_PREP_OK. */
mammo_prep_status mammo_prep_stats(const char *options_json, const char *const *paths, size_t count,
                                   char **stats_json, char **error);

#ifdef __cplusplus
}
#endif

#endif /* MAMMO_PREP_H */
