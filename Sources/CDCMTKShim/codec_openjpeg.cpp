// CDCMTKShim, OpenJPEG: one JPEG 2000 / HTJ2K codestream held in memory → 16-bit words.
// Knows nothing of DICOM: the caller hands it a frame's bytes (CDCMTKShim_frameBytes).

#include "CDCMTKShim.h"
#include "shim_internal.h"

#include <openjpeg.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace cdcmtkshim;

namespace {

struct MemoryStream {
    const uint8_t *data;
    size_t size;
    size_t position;
};

OPJ_SIZE_T memRead(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (m->position >= m->size) return OPJ_SIZE_T(-1);
    size_t n = count < m->size - m->position ? count : m->size - m->position;
    std::memcpy(buffer, m->data + m->position, n);
    m->position += n;
    return n;
}

OPJ_OFF_T memSkip(OPJ_OFF_T count, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (count < 0) {
        OPJ_OFF_T back = OPJ_OFF_T(m->position) < -count ? OPJ_OFF_T(m->position) : -count;
        m->position -= size_t(back);
        return -back;
    }
    size_t n = size_t(count) < m->size - m->position ? size_t(count) : m->size - m->position;
    m->position += n;
    return OPJ_OFF_T(n);
}

OPJ_BOOL memSeek(OPJ_OFF_T offset, void *user) {
    auto *m = static_cast<MemoryStream *>(user);
    if (offset < 0 || size_t(offset) > m->size) return OPJ_FALSE;
    m->position = size_t(offset);
    return OPJ_TRUE;
}

void collectError(const char *msg, void *user) {
    auto *text = static_cast<std::string *>(user);
    if (!text->empty()) return; // keep the first, most specific message
    *text = msg;
    while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
}
void ignoreMessage(const char *, void *) {}

/// Owns OpenJPEG's objects for one decode.
struct Decoder {
    opj_stream_t *stream = nullptr;
    opj_codec_t *codec = nullptr;
    opj_image_t *image = nullptr;
    ~Decoder() {
        if (image != nullptr) opj_image_destroy(image);
        if (codec != nullptr) opj_destroy_codec(codec);
        if (stream != nullptr) opj_stream_destroy(stream);
#if defined(__GLIBC__)
        // OpenJPEG's 32-bit plane of the frame (and its tile buffers) come from the heap; glibc
        // keeps freed heap pages resident, so each worker would carry a frame-sized hole from
        // image to image. Hand the free pages back (madvise inside the heap, not only its top).
        malloc_trim(0);
#endif
    }
};

/// Whether discarding `levels` resolution levels of the codestream whose header `d` has read gives
/// the forward 5/3 LL band of the full image (the conditions of CDCMTKShim_Reduction).
bool canReduce(Decoder &d, uint32_t levels, bool signedSamples) {
    const opj_image_t *im = d.image;
    if (levels == 0 || im->numcomps != 1 || im->x0 != 0 || im->y0 != 0) return false;
    if (im->comps[0].dx != 1 || im->comps[0].dy != 1 || (im->comps[0].sgnd != 0) != signedSamples) return false;
    opj_codestream_info_v2_t *cs = opj_get_cstr_info(d.codec);
    if (cs == nullptr) return false;
    bool ok = cs->tw == 1 && cs->th == 1 && cs->tx0 == 0 && cs->ty0 == 0 && cs->nbcomps == 1 &&
              cs->m_default_tile_info.tccp_info != nullptr &&
              cs->m_default_tile_info.tccp_info[0].qmfbid == 1 &&
              cs->m_default_tile_info.tccp_info[0].numresolutions > levels;
    opj_destroy_cstr_info(&cs);
    return ok;
}

CDCMTKShim_Status decode(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                         int32_t threads, uint32_t levels, bool signedSamples, uint16_t *words, size_t wordCapacity,
                         CDCMTKShim_FrameInfo *info, std::string &why) {
    static const uint8_t jp2Signature[12] = {0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    bool jp2 = size >= 12 && std::memcmp(data, jp2Signature, 12) == 0;
    if (!jp2 && (size < 4 || data[0] != 0xFF || data[1] != 0x4F || data[2] != 0xFF || data[3] != 0x51)) {
        why = "JPEG 2000 frame does not start with SOC/SIZ markers (FF4F FF51)";
        return CDCMTKShim_ErrCorruptStream;
    }
    MemoryStream memory{data, size, 0};
    Decoder d;
    d.stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    d.codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (d.stream == nullptr || d.codec == nullptr) { why = "OpenJPEG allocation failed"; return CDCMTKShim_ErrInternal; }
    std::string error;
    opj_stream_set_user_data(d.stream, &memory, nullptr);
    opj_stream_set_user_data_length(d.stream, size);
    opj_stream_set_read_function(d.stream, memRead);
    opj_stream_set_skip_function(d.stream, memSkip);
    opj_stream_set_seek_function(d.stream, memSeek);
    opj_set_error_handler(d.codec, collectError, &error);
    opj_set_warning_handler(d.codec, ignoreMessage, nullptr);
    opj_set_info_handler(d.codec, ignoreMessage, nullptr);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    if (!opj_setup_decoder(d.codec, &parameters)) { why = "OpenJPEG decoder setup failed"; return CDCMTKShim_ErrInternal; }
    if (threads < 0) threads = 1;
    if (threads != 1 && opj_has_thread_support()) {
        opj_codec_set_threads(d.codec, threads == 0 ? opj_get_num_cpus() : threads);
    }
    info->threads = threads == 0 ? opj_get_num_cpus() : threads;
    if (!opj_read_header(d.stream, d.codec, &d.image) || d.image == nullptr) {
        why = "JPEG 2000 header: " + (error.empty() ? "unreadable" : error);
        return CDCMTKShim_ErrCorruptStream;
    }
    uint32_t reduced = canReduce(d, levels, signedSamples) ? levels : 0;
    if (reduced > 0 && !opj_set_decoded_resolution_factor(d.codec, reduced)) reduced = 0;
    info->reduced = int32_t(reduced); // also tells the caller, on failure, that a reduced decode was tried
    // The size the output must have: the image at 2^-reduced (origin 0, T.800 B.5).
    uint32_t outRows = (rows + (1u << reduced) - 1) >> reduced, outColumns = (columns + (1u << reduced) - 1) >> reduced;
    if (!opj_decode(d.codec, d.stream, d.image) || !opj_end_decompress(d.codec, d.stream)) {
        why = "JPEG 2000 decode: " + (error.empty() ? "codestream rejected" : error);
        return CDCMTKShim_ErrCorruptStream;
    }
    if (d.image->numcomps != samples) {
        why = "JPEG 2000 codestream has " + std::to_string(d.image->numcomps) + " components, Samples per Pixel is " +
              std::to_string(samples);
        return CDCMTKShim_ErrGeometry;
    }
    const opj_image_comp_t &c = d.image->comps[0];
    if (c.w != outColumns || c.h != outRows || c.dx != 1 || c.dy != 1 || c.data == nullptr) {
        why = "JPEG 2000 codestream is " + std::to_string(c.w) + "x" + std::to_string(c.h) + ", Columns x Rows is " +
              std::to_string(columns) + "x" + std::to_string(rows);
        return CDCMTKShim_ErrGeometry;
    }
    if (c.prec > 16) {
        why = "JPEG 2000 precision " + std::to_string(c.prec) + " exceeds 16 bits";
        return CDCMTKShim_ErrBadValue;
    }
    size_t count = size_t(outRows) * size_t(outColumns);
    if (count > wordCapacity) { why = "buffer too small for frame"; return CDCMTKShim_ErrBufferTooSmall; }
    // Keep the low 16 bits: the caller masks to Bits Stored and sign-extends (PS3.5 8.1.1).
    for (size_t i = 0; i < count; ++i) words[i] = uint16_t(uint32_t(c.data[i]) & 0xFFFFu);
    info->precision = int32_t(c.prec);
    info->isSigned = c.sgnd ? 1 : 0;
    return CDCMTKShim_OK;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_decodeOpenJPEG(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns,
                                            uint32_t samples, int32_t threads, const CDCMTKShim_Reduction *reduction,
                                            uint16_t *words, size_t wordCapacity,
                                            CDCMTKShim_FrameInfo *info, char *message, size_t messageCapacity) {
    return decodeWaveletFrame(CDCMTKShim_CodecOpenJPEG, data, size, reduction, words, info, message, messageCapacity,
                              [&](uint32_t levels, bool signedSamples, std::string &why) {
        return decode(data, size, rows, columns, samples, threads, levels, signedSamples, words, wordCapacity, info, why);
    });
}

const char *CDCMTKShim_openjpegVersion(void) { return opj_version(); }

} // extern "C"
