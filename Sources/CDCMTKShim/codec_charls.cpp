// CDCMTKShim, CharLS: one JPEG-LS codestream held in memory → 16-bit words.
// Knows nothing of DICOM: the caller hands it a frame's bytes (CDCMTKShim_frameBytes).
//
// CharLS is loaded with dlopen(RTLD_LOCAL), not linked. DCMTK's JPEG-LS codec (libdcmjpls) calls
// JpegLsReadHeader / JpegLsDecode of its own CharLS 1.x fork (libdcmtkcharls), and CharLS 2
// exports functions of the same names with other structures: with libcharls linked, the dynamic
// linker binds DCMTK's calls to CharLS 2 (it comes first in the global scope) and DCMTK's
// decoder corrupts memory. Loaded locally, libcharls adds no name to the global scope; this file
// reaches it only through dlsym. (Its own relocations name only charls_* functions.)
//
// The words must equal those of DCMTK's JPEG-LS codec wherever that codec decodes the frame.
// Both read the same SOF55 / LSE / SOS fields and apply the same ISO/IEC 14495-1 decoding process;
// they differ only in how preset coding parameters (ISO/IEC 14495-1 C.2.4.1.1) are resolved, and
// those cases are declined here (CDCMTKShim_ErrDeclined) so that the caller can decode them with
// DCMTK:
//   - dcmjpls uses the MAXVAL of an LSE segment only when the segment also sets a RESET other
//     than 0 and 64, and then uses it as given (even 0); otherwise it decodes with 2^P - 1.
//     CharLS uses any non-zero MAXVAL, else 2^P - 1.
//   - dcmjpls computes default thresholds with the MAXVAL >= 128 formulas of C.2.4.1.1.1 for every
//     MAXVAL; CharLS uses the MAXVAL < 128 formulas below 128 (7-bit and smaller samples).
// CharLS is stricter about the end of the data (it requires EOI right after the scan, where
// dcmjpls stops after the last sample) and validates the preset parameters; those frames fail
// here with ErrCorruptStream, which the caller may also retry with DCMTK.
//
// CharLS only ever sees the bytes up to the last EOI marker (FFD9), and none when there is none.
// CharLS 2.4's bit reader, when the entropy-coded data ends at the end of its buffer rather than
// at a marker, can count its bits below zero and spin about 2^31 times (some ten seconds per
// frame) before it fails: a truncated frame would stall a batch. Ending at EOI makes it stop at
// the marker, and a frame without EOI cannot be decoded by CharLS anyway: it fails with
// ErrUnterminated, which the caller does not retry (DCMTK's codec was seen to "decode" such a
// frame now and then, its result depending on what lies past the data).

#include "CDCMTKShim.h"
#include "shim_internal.h"

#include <charls/charls.h>
#include <dlfcn.h>

#include <algorithm>
#include <memory>
#include <vector>

using namespace cdcmtkshim;

namespace {

/// CharLS 2's C API, resolved once from a locally loaded libcharls (see the top of the file).
/// Immutable after the first call.
struct CharLS {
    decltype(&charls_jpegls_decoder_create) create = nullptr;
    decltype(&charls_jpegls_decoder_destroy) destroy = nullptr;
    decltype(&charls_jpegls_decoder_set_source_buffer) setSourceBuffer = nullptr;
    decltype(&charls_jpegls_decoder_read_header) readHeader = nullptr;
    decltype(&charls_jpegls_decoder_get_frame_info) frameInfo = nullptr;
    decltype(&charls_jpegls_decoder_get_near_lossless) nearLossless = nullptr;
    decltype(&charls_jpegls_decoder_get_preset_coding_parameters) presetCodingParameters = nullptr;
    decltype(&charls_jpegls_decoder_decode_to_buffer) decodeToBuffer = nullptr;
    decltype(&charls_get_error_message) errorMessage = nullptr;
    decltype(&charls_get_version_string) versionString = nullptr;
    std::string failure; ///< why CharLS is unusable; empty when every function was found

    static const CharLS &shared() {
        static const CharLS api = load();
        return api;
    }

private:
    static CharLS load() {
        CharLS api;
        // The soname of CharLS 2.x, the ABI <charls/charls.h> describes.
        void *library = dlopen("libcharls.so.2", RTLD_NOW | RTLD_LOCAL);
        if (library == nullptr) {
            const char *error = dlerror();
            api.failure = std::string("CharLS cannot be loaded: ") + (error != nullptr ? error : "libcharls.so.2");
            return api;
        }
        bool found = true;
        auto resolve = [&](auto &function, const char *name) {
            function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(dlsym(library, name));
            if (function == nullptr && found) {
                found = false;
                api.failure = std::string("CharLS lacks ") + name;
            }
        };
        resolve(api.create, "charls_jpegls_decoder_create");
        resolve(api.destroy, "charls_jpegls_decoder_destroy");
        resolve(api.setSourceBuffer, "charls_jpegls_decoder_set_source_buffer");
        resolve(api.readHeader, "charls_jpegls_decoder_read_header");
        resolve(api.frameInfo, "charls_jpegls_decoder_get_frame_info");
        resolve(api.nearLossless, "charls_jpegls_decoder_get_near_lossless");
        resolve(api.presetCodingParameters, "charls_jpegls_decoder_get_preset_coding_parameters");
        resolve(api.decodeToBuffer, "charls_jpegls_decoder_decode_to_buffer");
        resolve(api.errorMessage, "charls_get_error_message");
        resolve(api.versionString, "charls_get_version_string");
        return api; // the library stays loaded for the life of the process
    }
};

struct DecoderDeleter {
    void operator()(charls_jpegls_decoder *decoder) const { CharLS::shared().destroy(decoder); }
};
using Decoder = std::unique_ptr<charls_jpegls_decoder, DecoderDeleter>;
constexpr charls_jpegls_errc ok = charls::jpegls_errc::success;

/// Thresholds T1, T2, T3 of ISO/IEC 14495-1 C.2.4.1.1.1 for MAXVAL and NEAR; `bothRanges` false
/// applies the MAXVAL >= 128 formulas to every MAXVAL, as dcmjpls does.
struct Thresholds { int32_t t1, t2, t3; };

int32_t clampThreshold(int32_t i, int32_t j, int32_t maxval) { return i > maxval || i < j ? j : i; }

Thresholds defaultThresholds(int32_t maxval, int32_t near, bool bothRanges) {
    if (maxval >= 128 || !bothRanges) {
        int32_t factor = (std::min(maxval, 4095) + 128) / 256;
        int32_t t1 = clampThreshold(factor * (3 - 2) + 2 + 3 * near, near + 1, maxval);
        int32_t t2 = clampThreshold(factor * (7 - 3) + 3 + 5 * near, t1, maxval);
        return {t1, t2, clampThreshold(factor * (21 - 4) + 4 + 7 * near, t2, maxval)};
    }
    int32_t factor = 256 / (maxval + 1);
    int32_t t1 = clampThreshold(std::max(2, 3 / factor + 3 * near), near + 1, maxval);
    int32_t t2 = clampThreshold(std::max(3, 7 / factor + 5 * near), t1, maxval);
    return {t1, t2, clampThreshold(std::max(4, 21 / factor + 7 * near), t2, maxval)};
}

/// Why dcmjpls would resolve the preset coding parameters `pc` (as read, 0: default) differently
/// from CharLS for `bits` per sample and `near`; empty when both resolve them alike.
std::string presetDisagreement(const charls_jpegls_pc_parameters &pc, int32_t bits, int32_t near) {
    const int32_t full = int32_t((1u << bits) - 1);
    // dcmjpls decodes 6..16-bit samples only: below 6 there is nothing to agree with.
    if (bits < 6) return "";
    bool customReset = pc.reset_value != 0 && pc.reset_value != 64;
    int32_t dcmtkMaxval = customReset ? pc.maximum_sample_value : full;
    int32_t charlsMaxval = pc.maximum_sample_value != 0 ? pc.maximum_sample_value : full;
    if (dcmtkMaxval != charlsMaxval) {
        return "JPEG-LS preset MAXVAL " + std::to_string(pc.maximum_sample_value) + " with RESET " +
               std::to_string(pc.reset_value) + " for " + std::to_string(bits) +
               "-bit samples: DCMTK's JPEG-LS codec reads it otherwise";
    }
    if (charlsMaxval < 128 && (pc.threshold1 == 0 || pc.threshold2 == 0 || pc.threshold3 == 0)) {
        Thresholds standard = defaultThresholds(charlsMaxval, near, true);
        Thresholds dcmtk = defaultThresholds(charlsMaxval, near, false);
        // Resolve as both do: an explicit threshold replaces its default before the next is clamped.
        auto resolve = [&](Thresholds d) {
            return Thresholds{pc.threshold1 != 0 ? pc.threshold1 : d.t1, pc.threshold2 != 0 ? pc.threshold2 : d.t2,
                              pc.threshold3 != 0 ? pc.threshold3 : d.t3};
        };
        Thresholds a = resolve(standard), b = resolve(dcmtk);
        if (a.t1 != b.t1 || a.t2 != b.t2 || a.t3 != b.t3) {
            return "JPEG-LS default thresholds for MAXVAL " + std::to_string(charlsMaxval) +
                   ": DCMTK's JPEG-LS codec computes them otherwise";
        }
    }
    return "";
}

/// The length of `data` through its last EOI marker (FFD9); 0 when it has none. Bytes after it
/// (a fragment's padding) are not CharLS's concern.
size_t throughLastEOI(const uint8_t *data, size_t size) {
    for (size_t i = size; i >= 2; --i) {
        if (data[i - 2] == 0xFF && data[i - 1] == 0xD9) return i;
    }
    return 0;
}

CDCMTKShim_Status corrupt(std::string &why, charls_jpegls_errc error) {
    why = std::string("JPEG-LS decode: ") + CharLS::shared().errorMessage(error);
    return CDCMTKShim_ErrCorruptStream;
}

CDCMTKShim_Status decode(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                         uint16_t *words, size_t wordCapacity, CDCMTKShim_FrameInfo *info, std::string &why) {
    const CharLS &charls = CharLS::shared();
    if (!charls.failure.empty()) { why = charls.failure; return CDCMTKShim_ErrDeclined; }
    if (size == 0) { why = "JPEG-LS decode: the frame holds no bytes"; return CDCMTKShim_ErrCorruptStream; }
    size = throughLastEOI(data, size);
    if (size == 0) {
        why = "JPEG-LS decode: no EOI marker (FFD9): the codestream is truncated or unterminated";
        return CDCMTKShim_ErrUnterminated;
    }
    Decoder decoder(charls.create());
    if (!decoder) { why = "CharLS allocation failed"; return CDCMTKShim_ErrInternal; }
    charls_jpegls_errc error = charls.setSourceBuffer(decoder.get(), data, size);
    if (error == ok) error = charls.readHeader(decoder.get());
    charls_frame_info frame{};
    if (error == ok) error = charls.frameInfo(decoder.get(), &frame);
    int32_t near = 0;
    if (error == ok) error = charls.nearLossless(decoder.get(), 0, &near);
    charls_jpegls_pc_parameters pc{};
    if (error == ok) {
        error = charls.presetCodingParameters(decoder.get(), 0, &pc);
    }
    if (error != ok) return corrupt(why, error);
    if (uint32_t(frame.component_count) != samples) {
        why = "JPEG-LS codestream has " + std::to_string(frame.component_count) + " components, Samples per Pixel is " +
              std::to_string(samples);
        return CDCMTKShim_ErrGeometry;
    }
    if (frame.width != columns || frame.height != rows) {
        why = "JPEG-LS codestream is " + std::to_string(frame.width) + "x" + std::to_string(frame.height) +
              ", Columns x Rows is " + std::to_string(columns) + "x" + std::to_string(rows);
        return CDCMTKShim_ErrGeometry;
    }
    why = presetDisagreement(pc, frame.bits_per_sample, near);
    if (!why.empty()) return CDCMTKShim_ErrDeclined;
    size_t count = size_t(rows) * size_t(columns) * size_t(samples);
    if (count > wordCapacity) { why = "buffer too small for frame"; return CDCMTKShim_ErrBufferTooSmall; }
    if (frame.bits_per_sample > 8) {
        // Host-order 16-bit samples, straight into the caller's words.
        error = charls.decodeToBuffer(decoder.get(), words, count * sizeof(uint16_t), 0);
        if (error != ok) return corrupt(why, error);
    } else {
        std::vector<uint8_t> bytes(count);
        error = charls.decodeToBuffer(decoder.get(), bytes.data(), bytes.size(), 0);
        if (error != ok) return corrupt(why, error);
        for (size_t i = 0; i < count; ++i) words[i] = bytes[i];
    }
    info->precision = frame.bits_per_sample;
    return CDCMTKShim_OK;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_decodeCharLS(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns,
                                          uint32_t samples, uint16_t *words, size_t wordCapacity,
                                          CDCMTKShim_FrameInfo *info, char *message, size_t messageCapacity) {
    if (words == nullptr || info == nullptr || (data == nullptr && size > 0)) return CDCMTKShim_ErrInternal;
    *info = CDCMTKShim_FrameInfo{CDCMTKShim_CodecCharLS, 0, 0, 1, 0};
    return guarded(message, messageCapacity, [&]() -> CDCMTKShim_Status {
        std::string why;
        CDCMTKShim_Status status = decode(data, size, rows, columns, samples, words, wordCapacity, info, why);
        if (status != CDCMTKShim_OK) setMessage(message, messageCapacity, why);
        return status;
    });
}

const char *CDCMTKShim_charlsVersion(void) {
    const CharLS &charls = CharLS::shared();
    return charls.failure.empty() ? charls.versionString() : "unavailable";
}

} // extern "C"
