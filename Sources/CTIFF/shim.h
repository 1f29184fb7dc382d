// System-library module for libtiff (pkg-config libtiff-4), plus the few wrappers Swift needs:
// TIFFGetField is variadic (Swift cannot call it), and libtiff reports errors through a
// printf-style va_list callback, which only C can format. Each wrapper says why it exists.
// This module provides no stable Swift API: only MammoPrep's Ingest stage imports it.
#ifndef CTIFF_SHIM_H
#define CTIFF_SHIM_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>

/// Collects the first error (and counts the others) for one open file, so messages reach the
/// caller instead of stderr and concurrent files do not share state.
typedef struct {
    char message[512];
    int errors;
} CTIFF_ErrorSink;

/// libtiff's per-file error handler (TIFFErrorHandlerExtR): formats the va_list into the sink.
static inline int CTIFF_collectError(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    CTIFF_ErrorSink *sink = (CTIFF_ErrorSink *)user;
    if (sink == NULL) return 1;
    if (sink->errors++ == 0) {
        char text[400];
        vsnprintf(text, sizeof text, fmt, ap);
        snprintf(sink->message, sizeof sink->message, "%s%s%s", module ? module : "", module ? ": " : "", text);
    }
    return 1; /* handled: do not call the global (stderr) handler */
}

/// Warnings are dropped: they concern tags we do not use (e.g. unknown private fields).
static inline int CTIFF_ignoreWarning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

/// Opens for reading with the sink attached and libtiff's own allocation ceiling set, so a
/// header that claims absurd sizes fails inside libtiff instead of exhausting memory.
static inline TIFF *CTIFF_open(const char *path, CTIFF_ErrorSink *sink, int64_t maxSingleAllocation) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, CTIFF_collectError, sink);
    TIFFOpenOptionsSetWarningHandlerExtR(options, CTIFF_ignoreWarning, NULL);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)maxSingleAllocation);
    TIFF *tif = TIFFOpenExt(path, "rm", options); /* "m": no memory-mapping, plain reads */
    TIFFOpenOptionsFree(options);
    return tif;
}

/// A TIFF file held in memory, read through libtiff's client procedures (TIFFClientOpenExt): the
/// bytes and the read position. The caller keeps both alive until TIFFClose.
typedef struct {
    const uint8_t *bytes;
    uint64_t length;
    uint64_t offset;
} CTIFF_Memory;

static inline tmsize_t CTIFF_memoryRead(thandle_t handle, void *buffer, tmsize_t size) {
    CTIFF_Memory *m = (CTIFF_Memory *)handle;
    if (size <= 0 || m->offset >= m->length) return 0;
    uint64_t n = m->length - m->offset;
    if ((uint64_t)size < n) n = (uint64_t)size;
    memcpy(buffer, m->bytes + m->offset, (size_t)n);
    m->offset += n;
    return (tmsize_t)n;
}

/// Read-only: every write fails.
static inline tmsize_t CTIFF_memoryWrite(thandle_t handle, void *buffer, tmsize_t size) {
    (void)handle; (void)buffer; (void)size;
    return -1;
}

/// lseek(2)'s rules: a position past the end is allowed (reads there return 0 bytes), one before
/// the start is an error ((toff_t)-1). toff_t is unsigned: a backward offset arrives wrapped.
static inline toff_t CTIFF_memorySeek(thandle_t handle, toff_t offset, int whence) {
    CTIFF_Memory *m = (CTIFF_Memory *)handle;
    uint64_t base;
    switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = m->offset; break;
    case SEEK_END: base = m->length; break;
    default: return (toff_t)-1;
    }
    int64_t delta = (int64_t)offset;
    if (whence == SEEK_SET && delta < 0) return (toff_t)-1;
    if (delta < 0 && (uint64_t)(-(delta + 1)) + 1 > base) return (toff_t)-1;
    m->offset = base + (uint64_t)delta;
    return (toff_t)m->offset;
}

static inline int CTIFF_memoryClose(thandle_t handle) { (void)handle; return 0; }

static inline toff_t CTIFF_memorySize(thandle_t handle) { return (toff_t)((CTIFF_Memory *)handle)->length; }

/// No mapping ("m" mode): libtiff reads through CTIFF_memoryRead.
static inline int CTIFF_memoryMap(thandle_t handle, void **base, toff_t *size) {
    (void)handle; (void)base; (void)size;
    return 0;
}

static inline void CTIFF_memoryUnmap(thandle_t handle, void *base, toff_t size) {
    (void)handle; (void)base; (void)size;
}

/// CTIFF_open for a file in memory; `name` is what libtiff's messages call it.
static inline TIFF *CTIFF_openMemory(const char *name, CTIFF_Memory *memory, CTIFF_ErrorSink *sink,
                                     int64_t maxSingleAllocation) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return NULL;
    TIFFOpenOptionsSetErrorHandlerExtR(options, CTIFF_collectError, sink);
    TIFFOpenOptionsSetWarningHandlerExtR(options, CTIFF_ignoreWarning, NULL);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, (tmsize_t)maxSingleAllocation);
    TIFF *tif = TIFFClientOpenExt(name, "rm", (thandle_t)memory, CTIFF_memoryRead, CTIFF_memoryWrite,
                                  CTIFF_memorySeek, CTIFF_memoryClose, CTIFF_memorySize, CTIFF_memoryMap,
                                  CTIFF_memoryUnmap, options);
    TIFFOpenOptionsFree(options);
    return tif;
}

/// TIFFGetField for a uint16 tag (variadic in C). Returns 1 when the tag is present.
static inline int CTIFF_getUInt16(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetField(tif, tag, value);
}

/// TIFFGetFieldDefaulted for a uint16 tag (applies the TIFF 6.0 default when absent).
static inline int CTIFF_getUInt16Defaulted(TIFF *tif, uint32_t tag, uint16_t *value) {
    return TIFFGetFieldDefaulted(tif, tag, value);
}

/// TIFFGetField for a uint32 tag (variadic in C). Returns 1 when the tag is present.
static inline int CTIFF_getUInt32(TIFF *tif, uint32_t tag, uint32_t *value) {
    return TIFFGetField(tif, tag, value);
}

/// Writes a 32-bit float grayscale (MinIsBlack) TIFF, uncompressed strips, to `path`.
/// A C function because TIFFSetField is variadic. Returns 0, or -1 with the sink's message.
static inline int CTIFF_writeFloatGray(const char *path, const float *pixels, uint32_t columns, uint32_t rows,
                                       CTIFF_ErrorSink *sink) {
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) return -1;
    TIFFOpenOptionsSetErrorHandlerExtR(options, CTIFF_collectError, sink);
    TIFFOpenOptionsSetWarningHandlerExtR(options, CTIFF_ignoreWarning, NULL);
    TIFF *tif = TIFFOpenExt(path, "w", options);
    TIFFOpenOptionsFree(options);
    if (tif == NULL) return -1;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, columns);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, rows);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 32);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_IEEEFP);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize(tif, 0));
    for (uint32_t r = 0; r < rows; ++r) {
        if (TIFFWriteScanline(tif, (void *)(pixels + (size_t)r * columns), r, 0) < 0) {
            TIFFClose(tif);
            return -1;
        }
    }
    TIFFClose(tif);
    return sink->errors ? -1 : 0;
}

/// libtiff's version string, for the manifest.
static inline const char *CTIFF_version(void) { return TIFFGetVersion(); }

#endif /* CTIFF_SHIM_H */
