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
