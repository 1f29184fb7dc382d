// System-library module for libpng (pkg-config libpng), plus one encoder function.
// Why a C wrapper: libpng reports errors by longjmp to a setjmp point, which must not cross Swift
// frames. CPNG_encodeGray keeps setjmp, every libpng call and the write callback in C, and hands
// Swift a finished buffer (or a status and message). This module provides no stable Swift API.
#ifndef CPNG_SHIM_H
#define CPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// A growable output buffer owned by C: release with CPNG_freeBuffer.
typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int failed;
} CPNG_Buffer;

static inline void CPNG_freeBuffer(CPNG_Buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = buffer->capacity = 0;
}

static inline void CPNG_append(png_structp png, png_bytep bytes, size_t length) {
    CPNG_Buffer *b = (CPNG_Buffer *)png_get_io_ptr(png);
    if (b->failed) return;
    if (b->size + length > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 65536;
        while (capacity < b->size + length) capacity *= 2;
        unsigned char *grown = (unsigned char *)realloc(b->data, capacity);
        if (grown == NULL) { b->failed = 1; png_error(png, "out of memory"); }
        b->data = grown;
        b->capacity = capacity;
    }
    memcpy(b->data + b->size, bytes, length);
    b->size += length;
}

static inline void CPNG_flush(png_structp png) { (void)png; }

typedef struct { char text[256]; } CPNG_Message;

static inline void CPNG_error(png_structp png, png_const_charp message) {
    CPNG_Message *m = (CPNG_Message *)png_get_error_ptr(png);
    if (m != NULL) snprintf(m->text, sizeof m->text, "%s", message);
    png_longjmp(png, 1);
}

static inline void CPNG_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

/// Encodes a grayscale image: `pixels` are `rows` rows of `columns` samples, uint8 (bitDepth 8)
/// or host-order uint16 (bitDepth 16). No gamma or colour chunks are written: the samples are
/// display values as they are. Returns 0 on success (buffer filled), -1 with `message` set.
static inline int CPNG_encodeGray(const void *pixels, uint32_t columns, uint32_t rows, int bitDepth,
                                  int compressionLevel, CPNG_Buffer *buffer, CPNG_Message *message) {
    memset(buffer, 0, sizeof *buffer);
    memset(message, 0, sizeof *message);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, message, CPNG_error, CPNG_warning);
    if (png == NULL) { snprintf(message->text, sizeof message->text, "png_create_write_struct failed"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        snprintf(message->text, sizeof message->text, "png_create_info_struct failed");
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        CPNG_freeBuffer(buffer);
        return -1;
    }
    png_set_write_fn(png, buffer, CPNG_append, CPNG_flush);
    png_set_compression_level(png, compressionLevel);
    png_set_IHDR(png, info, columns, rows, bitDepth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const int one = 1;
    if (bitDepth == 16 && *(const char *)&one == 1) png_set_swap(png); /* PNG is big-endian */
    size_t rowBytes = (size_t)columns * (size_t)(bitDepth / 8);
    for (uint32_t r = 0; r < rows; ++r) {
        png_write_row(png, (png_const_bytep)pixels + (size_t)r * rowBytes);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}

#endif /* CPNG_SHIM_H */
