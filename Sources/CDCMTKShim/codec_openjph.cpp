// CDCMTKShim, OpenJPH: one HTJ2K codestream held in memory → 16-bit words.
// Knows nothing of DICOM: the caller hands it a frame's bytes (CDCMTKShim_frameBytes).
//
// OpenJPH 0.9.0 is not built for hostile input: it reads marker parameters into fixed-size arrays
// unchecked, overruns a code-block buffer on a corrupt packet header, Debian's build keeps its
// assert()s, and it skips markers it does not implement. So a codestream first passes
// checkForOpenJPH (htj2k_check.cpp: marker segments) and replayPacketHeaders (htj2k_packets.cpp:
// packet headers), which refuse what OpenJPH would misread or fail on; the caller falls back to
// OpenJPEG on any refusal. Errors: OpenJPH's error handler
// prints to its error stream, then throws std::runtime_error("ojph error"); configure_error()
// cannot replace the handler in 0.9.0 (it assigns through a reference to the default handler
// object, slicing the replacement). So the message streams are redirected, once per process, to
// streams that collect the text for the decode running on the calling thread (thread_local) or
// discard it (warnings and info, which 0.9.0 prints on stdout).

#include "CDCMTKShim.h"
#include "htj2k_check.h"
#include "shim_internal.h"

#include <openjph/ojph_arch.h>
#include <openjph/ojph_codestream.h>
#include <openjph/ojph_file.h>
#include <openjph/ojph_mem.h>
#include <openjph/ojph_message.h>
#include <openjph/ojph_params.h>
#include <openjph/ojph_version.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

using namespace cdcmtkshim;

namespace {

/// Where the decode running on this thread collects OpenJPH's error text (nullptr: none running).
thread_local std::string *collected = nullptr;

/// Points `collected` at `text` for one decode.
struct Collecting {
    explicit Collecting(std::string &text) { collected = &text; }
    ~Collecting() { collected = nullptr; }
};

void collect(const char *buffer, size_t count) {
    std::string *text = collected;
    if (text != nullptr && text->size() < 1024) text->append(buffer, count < 1024 - text->size() ? count : 1024 - text->size());
}

#if defined(__GLIBC__)
ssize_t collectWrite(void *, const char *buffer, size_t count) { collect(buffer, count); return ssize_t(count); }
ssize_t discardWrite(void *, const char *, size_t count) { return ssize_t(count); }
FILE *messageStream(bool keep) {
    cookie_io_functions_t io{nullptr, keep ? collectWrite : discardWrite, nullptr, nullptr};
    return fopencookie(nullptr, "w", io);
}
#elif defined(__APPLE__)
int collectWrite(void *, const char *buffer, int count) { collect(buffer, size_t(count)); return count; }
int discardWrite(void *, const char *, int count) { return count; }
FILE *messageStream(bool keep) { return funopen(nullptr, nullptr, keep ? collectWrite : discardWrite, nullptr, nullptr); }
#else
FILE *messageStream(bool) { return std::fopen("/dev/null", "w"); }
#endif

/// Redirects OpenJPH's three message streams and constructs one codestream (its constructor fills
/// OpenJPH's transform function tables, unsynchronised), once per process. False when a stream
/// could not be made: OpenJPH then must not run at all (it would print to a null FILE).
bool prepareOnce() {
    static std::once_flag once;
    static bool ready = false;
    std::call_once(once, [] {
        FILE *errors = messageStream(true), *others = messageStream(false);
        if (errors == nullptr || others == nullptr) return;
        // Unbuffered: each fprintf reaches the write function before it returns, on its own thread.
        std::setvbuf(errors, nullptr, _IONBF, 0);
        std::setvbuf(others, nullptr, _IONBF, 0);
        ojph::set_error_stream(errors);
        ojph::set_warning_stream(others);
        ojph::set_info_stream(others);
        ojph::codestream warmUp;
        ready = true;
    });
    return ready;
}

/// "ojph error 0x00030051 at file.cpp:876: File ended ...\n" → "File ended ... (0x00030051)".
std::string reason(const std::string &text, const char *fallback) {
    size_t start = text.rfind("ojph error ");
    if (start == std::string::npos) return fallback;
    std::string code = text.substr(start + 11, 10);
    size_t at = text.find(" at ", start), colon = at == std::string::npos ? at : text.find(": ", at);
    std::string message = colon == std::string::npos ? std::string() : text.substr(colon + 2);
    for (char &c : message) if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    while (!message.empty() && message.back() == ' ') message.pop_back();
    if (message.empty()) message = fallback;
    return message + " (" + code + ")";
}

CDCMTKShim_Status decode(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns, uint32_t samples,
                         uint32_t levels, bool signedSamples, uint16_t *words, size_t wordCapacity,
                         CDCMTKShim_FrameInfo *info, std::string &why) {
    HTJ2KFacts f;
    std::string refusal;
    CDCMTKShim_Status checked = checkForOpenJPH(data, size, f, refusal);
    if (checked != CDCMTKShim_OK) { why = "OpenJPH: " + refusal; return checked; }
    if (f.components != samples) {
        why = "OpenJPH: codestream has " + std::to_string(f.components) + " components, Samples per Pixel is " +
              std::to_string(samples);
        return CDCMTKShim_ErrGeometry;
    }
    if (f.width != columns || f.height != rows || f.subsamplingX != 1 || f.subsamplingY != 1) {
        why = "OpenJPH: codestream is " + std::to_string(f.width) + "x" + std::to_string(f.height) +
              ", Columns x Rows is " + std::to_string(columns) + "x" + std::to_string(rows);
        return CDCMTKShim_ErrGeometry;
    }
    if (f.precision > 16) {
        why = "OpenJPH: precision " + std::to_string(f.precision) + " exceeds 16 bits";
        return CDCMTKShim_ErrBadValue;
    }
    // The conditions of CDCMTKShim_Reduction (codec_openjpeg.cpp's canReduce reads the same fields).
    bool canReduce = levels > 0 && f.components == 1 && f.x0 == 0 && f.y0 == 0 && f.tiles == 1 &&
                     f.tileX0 == 0 && f.tileY0 == 0 && f.reversible && f.decompositions >= levels &&
                     f.isSigned == signedSamples;
    uint32_t reduced = canReduce ? levels : 0;
    info->reduced = int32_t(reduced);
    if (!replayPacketHeaders(data, size, f, reduced, refusal)) {
        why = "OpenJPH: " + refusal;
        return f.components == 1 ? CDCMTKShim_ErrCorruptStream : CDCMTKShim_ErrUnsupportedSyntax;
    }
    uint32_t outRows = (rows + (1u << reduced) - 1) >> reduced, outColumns = (columns + (1u << reduced) - 1) >> reduced;
    size_t count = size_t(outRows) * size_t(outColumns);
    if (count > wordCapacity) { why = "OpenJPH: buffer too small for frame"; return CDCMTKShim_ErrBufferTooSmall; }
    if (!prepareOnce()) { why = "OpenJPH: message streams could not be set up"; return CDCMTKShim_ErrInternal; }

    std::string text;
    Collecting scope(text);
    try {
        ojph::mem_infile file;
        file.open(data, size);
        ojph::codestream codestream;
        codestream.read_headers(&file);
        // skipped_res_for_read = skipped_res_for_recon: the packets of the discarded resolutions are
        // not read, and the LL band of `reduced` levels is reconstructed (0.9.0 codestream.cpp).
        if (reduced > 0) codestream.restrict_input_resolution(reduced, reduced);
        ojph::param_siz siz = codestream.access_siz();
        if (siz.get_recon_width(0) != outColumns || siz.get_recon_height(0) != outRows) {
            why = "OpenJPH: reconstructs " + std::to_string(siz.get_recon_width(0)) + "x" +
                  std::to_string(siz.get_recon_height(0)) + ", not " + std::to_string(outColumns) + "x" +
                  std::to_string(outRows);
            return CDCMTKShim_ErrGeometry;
        }
        codestream.set_planar(true);
        codestream.create();
        // OpenJPH neither clips irreversible output nor corrupt reversible output to the sample
        // range; OpenJPEG does (T.800 G.1.2), and so does this.
        // precision <= 16 (checked above), so the bounds and the clamped values fit in 32 bits and
        // the loop below vectorizes (it was a tenth of an HTJ2K frame's time as a 64-bit loop).
        const int32_t low = f.isSigned ? -(int32_t(1) << (f.precision - 1)) : 0;
        const int32_t high = f.isSigned ? (int32_t(1) << (f.precision - 1)) - 1 : (int32_t(1) << f.precision) - 1;
        for (uint32_t y = 0; y < outRows; ++y) {
            ojph::ui32 component = 0;
            ojph::line_buf *line = codestream.pull(component);
            if (line == nullptr || component != 0 || line->size < outColumns) {
                why = "OpenJPH: no line " + std::to_string(y);
                return CDCMTKShim_ErrCorruptStream;
            }
            const ojph::si32 *source = line->i32;
            uint16_t *target = words + size_t(y) * outColumns;
            for (uint32_t x = 0; x < outColumns; ++x) {
                int32_t v = std::min(std::max(source[x], low), high);
                // Keep the low 16 bits: the caller masks to Bits Stored and sign-extends (PS3.5 8.1.1).
                target[x] = uint16_t(uint32_t(v) & 0xFFFFu);
            }
        }
        codestream.close();
    } catch (const std::bad_alloc &) {
        throw; // guarded() reports it
    } catch (const std::exception &) {
        why = "OpenJPH: " + reason(text, "codestream rejected");
        return CDCMTKShim_ErrCorruptStream;
    } catch (const char *message) {
        why = std::string("OpenJPH: ") + (message != nullptr ? message : "codestream rejected");
        return CDCMTKShim_ErrCorruptStream;
    }
    info->precision = int32_t(f.precision);
    info->isSigned = f.isSigned ? 1 : 0;
    return CDCMTKShim_OK;
}

} // namespace

extern "C" {

CDCMTKShim_Status CDCMTKShim_decodeOpenJPH(const uint8_t *data, size_t size, uint32_t rows, uint32_t columns,
                                           uint32_t samples, const CDCMTKShim_Reduction *reduction,
                                           uint16_t *words, size_t wordCapacity,
                                           CDCMTKShim_FrameInfo *info, char *message, size_t messageCapacity) {
    return decodeWaveletFrame(CDCMTKShim_CodecOpenJPH, data, size, reduction, words, info, message, messageCapacity,
                              [&](uint32_t levels, bool signedSamples, std::string &why) {
        return decode(data, size, rows, columns, samples, levels, signedSamples, words, wordCapacity, info, why);
    });
}

int32_t CDCMTKShim_htj2kReversible(const uint8_t *data, size_t size) {
    try {
        return htj2kReversible(data, size);
    } catch (...) {
        return -1;
    }
}

#define CDCMTKSHIM_TEXT(x) #x
#define CDCMTKSHIM_VERSION(a, b, c) CDCMTKSHIM_TEXT(a) "." CDCMTKSHIM_TEXT(b) "." CDCMTKSHIM_TEXT(c)

/// From the headers compiled against: OpenJPH 0.9.0 has no run-time version query.
const char *CDCMTKShim_openjphVersion(void) {
    return CDCMTKSHIM_VERSION(OPENJPH_VERSION_MAJOR, OPENJPH_VERSION_MINOR, OPENJPH_VERSION_PATCH);
}

} // extern "C"
