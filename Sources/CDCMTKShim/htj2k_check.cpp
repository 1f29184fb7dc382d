// CDCMTKShim, HTJ2K: the marker-segment walk run before OpenJPH (htj2k_check.h). Marker and
// field layouts: ITU-T T.800 A.4 (SOC, SOT, SOD, EOC), A.5.1 (SIZ), A.6.1 (COD), A.6.4 (QCD),
// A.6.5 (QCC); Rsiz bit 14 and the HT code-block style bits: ITU-T T.814 A.2, A.3.

#include "htj2k_check.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cdcmtkshim {

namespace {

enum : uint16_t {
    SOC = 0xFF4F, CAP = 0xFF50, SIZ = 0xFF51, COD = 0xFF52, COC = 0xFF53, TLM = 0xFF55, PRF = 0xFF56,
    PLM = 0xFF57, PLT = 0xFF58, CPF = 0xFF59, QCD = 0xFF5C, QCC = 0xFF5D, RGN = 0xFF5E, POC = 0xFF5F,
    PPM = 0xFF60, PPT = 0xFF61, CRG = 0xFF63, COM = 0xFF64, SOT = 0xFF90, SOD = 0xFF93, EOC = 0xFFD9,
};

uint16_t be16(const uint8_t *p) { return uint16_t((p[0] << 8) | p[1]); }
uint32_t be32(const uint8_t *p) { return (uint32_t(be16(p)) << 16) | be16(p + 2); }

std::string hex(uint16_t marker) {
    static const char digits[] = "0123456789ABCDEF";
    std::string s = "FF";
    s += digits[(marker >> 4) & 0xF];
    s += digits[marker & 0xF];
    return s;
}

/// A quantisation marker's style (Sqcd & 0x1F) and the decomposition levels its length implies.
struct Quantisation {
    int style = -1;
    uint32_t levels = 0;
};

/// One walk over one codestream. Each check returns false with `why` set; `unsupported` tells a
/// well-formed codestream OpenJPH cannot decode from a malformed one.
struct Walk {
    const uint8_t *data;
    size_t size;
    HTJ2KFacts &f;
    std::string &why;
    bool unsupported = false;
    bool sop = false, eph = false;      // COD: packets may start with SOP, headers end with EPH

    bool corrupt(const std::string &reason) { why = reason; return false; }
    bool cannot(const std::string &reason) { why = reason; unsupported = true; return false; }

    bool siz(size_t &pos);
    bool quantisation(const uint8_t *segment, uint16_t length, uint32_t fixed, Quantisation &q, const char *name);
    bool mainHeader(size_t &pos);
    bool tileParts(size_t pos);
    bool packetData(size_t from, size_t end);
};

bool Walk::siz(size_t &pos) {
    if (pos + 42 > size) return corrupt("SIZ marker segment truncated");
    const uint8_t *s = data + pos + 2; // from Lsiz
    uint16_t length = be16(s), rsiz = be16(s + 2), csiz = be16(s + 36);
    if (csiz == 0 || csiz > 16384 || length != 38 + 3 * uint32_t(csiz) || pos + 2 + length > size) {
        return corrupt("SIZ marker segment length does not fit its components");
    }
    if ((rsiz & 0x4000) == 0) return cannot("not an HTJ2K codestream (Rsiz bit 14 clear: JPEG 2000 Part 1)");
    uint64_t xsiz = be32(s + 4), ysiz = be32(s + 8), xo = be32(s + 12), yo = be32(s + 16);
    uint64_t xt = be32(s + 20), yt = be32(s + 24), xto = be32(s + 28), yto = be32(s + 32);
    if (xsiz <= xo || ysiz <= yo || xt == 0 || yt == 0 || xto > xo || yto > yo || xt + xto <= xo || yt + yto <= yo) {
        return corrupt("SIZ image and tile grid outside T.800 A.5.1");
    }
    f.tiles = ((xsiz - xto + xt - 1) / xt) * ((ysiz - yto + yt - 1) / yt);
    if (f.tiles > 65535) return corrupt("SIZ declares more than 65535 tiles");
    f.x0 = uint32_t(xo); f.y0 = uint32_t(yo); f.width = uint32_t(xsiz - xo); f.height = uint32_t(ysiz - yo);
    f.tileX0 = uint32_t(xto); f.tileY0 = uint32_t(yto);
    f.xsiz = uint32_t(xsiz); f.ysiz = uint32_t(ysiz); f.tileW = uint32_t(xt); f.tileH = uint32_t(yt);
    f.components = csiz;
    for (uint32_t c = 0; c < csiz; ++c) {
        const uint8_t *comp = s + 38 + 3 * c;
        if ((comp[0] & 0x7F) + 1u > 38 || comp[1] == 0 || comp[2] == 0) {
            return corrupt("SIZ component precision or subsampling outside T.800 A.5.1");
        }
    }
    f.precision = (s[38] & 0x7F) + 1u;
    f.isSigned = (s[38] & 0x80) != 0;
    f.subsamplingX = s[39];
    f.subsamplingY = s[40];
    pos += 2 + size_t(length);
    return true;
}

/// QCD / QCC: `fixed` is the segment length without the step sizes (Lqcd, [Cqcc,] Sqcd).
bool Walk::quantisation(const uint8_t *segment, uint16_t length, uint32_t fixed, Quantisation &q, const char *name) {
    std::string n(name);
    if (length < fixed + 1) return corrupt(n + " marker segment too short");
    q.style = segment[fixed - 1] & 0x1F;
    if (q.style == 1) return cannot(n + ": scalar derived quantisation (OpenJPH 0.9 does not decode it)");
    if (q.style > 2) return corrupt(n + ": undefined quantisation style " + std::to_string(q.style));
    uint32_t steps = length - fixed, per = q.style == 0 ? 1 : 2;
    if (steps % per != 0 || (steps / per) % 3 != 1) return corrupt(n + " marker segment length does not fit its style");
    q.levels = (steps / per - 1) / 3;
    return true;
}

/// The main header after SIZ, up to the first SOT; `pos` ends on it.
bool Walk::mainHeader(size_t &pos) {
    bool haveCOD = false;
    uint8_t scod = 0, progression = 0, mct = 0, blockW = 0, blockH = 0, style = 0, wavelet = 0;
    uint16_t layers = 0;
    const uint8_t *precincts = nullptr;
    Quantisation qcd;
    std::vector<Quantisation> qcc;                   // at most one per component: OpenJPH's table holds that many
    std::vector<bool> qccSeen(f.components, false);
    while (true) {
        if (pos + 4 > size) return corrupt("codestream ends inside the main header");
        uint16_t marker = be16(data + pos);
        if (marker == SOT) break;
        if ((marker >> 8) != 0xFF) return corrupt("no marker where the main header continues");
        uint16_t length = be16(data + pos + 2);
        if (length < 2 || pos + 2 + length > size) return corrupt("marker segment " + hex(marker) + " runs past the codestream");
        const uint8_t *s = data + pos + 2; // the segment, from its length field
        switch (marker) {
        case COD:
            if (haveCOD) return corrupt("main header has two COD marker segments");
            if (length < 12) return corrupt("COD marker segment too short");
            scod = s[2]; progression = s[3]; layers = be16(s + 4); mct = s[6];
            f.progression = progression;
            f.decompositions = s[7]; blockW = s[8]; blockH = s[9]; style = s[10]; wavelet = s[11];
            if (length != 12 + ((scod & 1) ? f.decompositions + 1 : 0)) return corrupt("COD marker segment length does not fit its levels");
            precincts = (scod & 1) ? s + 12 : nullptr;
            haveCOD = true;
            break;
        case QCD:
            if (qcd.style >= 0) return corrupt("main header has two QCD marker segments");
            if (!quantisation(s, length, 3, qcd, "QCD")) return false;
            break;
        case QCC: {
            uint32_t indexBytes = f.components < 257 ? 1 : 2;
            if (length < 2 + indexBytes) return corrupt("QCC marker segment too short");
            uint32_t component = indexBytes == 1 ? s[2] : be16(s + 2);
            if (component >= f.components || qccSeen[component]) return corrupt("QCC names no component, or one twice");
            qccSeen[component] = true;
            Quantisation q;
            if (!quantisation(s, length, 3 + indexBytes, q, "QCC")) return false;
            qcc.push_back(q);
            break;
        }
        case COC: case RGN: case POC: case PPM:
            return cannot("main header has a " + hex(marker) + " marker segment (COC/RGN/POC/PPM: OpenJPH 0.9 ignores them)");
        case CAP: case TLM: case PRF: case PLM: case CPF: case CRG: case COM:
            break;
        default:
            return corrupt("unexpected marker " + hex(marker) + " in the main header");
        }
        pos += 2 + size_t(length);
    }
    if (!haveCOD || qcd.style < 0) return corrupt("main header lacks COD or QCD");
    if (f.decompositions > 32) return corrupt("COD declares " + std::to_string(f.decompositions) + " decomposition levels (at most 32)");
    if ((scod & ~0x07) != 0) return cannot("COD coding style has reserved or Part 2 bits set");
    if (progression > 4) return corrupt("COD progression order " + std::to_string(progression) + " is undefined");
    if (layers == 0) return corrupt("COD declares no quality layers");
    if (layers != 1) return cannot("COD declares " + std::to_string(layers) + " quality layers (OpenJPH 0.9 decodes one)");
    if (mct > 1 || (mct == 1 && f.components < 3)) return corrupt("COD multiple component transform does not fit the components");
    if (blockW > 8 || blockH > 8 || blockW + blockH > 8) return corrupt("COD code-block size outside T.800 A.6.1");
    if ((style & 0x40) == 0) return cannot("code-blocks are not HT (JPEG 2000 Part 1 code-block style)");
    if ((style & 0x80) != 0) return cannot("mixed HT and Part 1 code-blocks (OpenJPH 0.9 decodes HT only)");
    if (wavelet > 1) return cannot("COD wavelet filter " + std::to_string(wavelet) + " is not 9/7 or 5/3");
    f.reversible = wavelet == 1;
    sop = f.sop = (scod & 0x02) != 0;
    eph = f.eph = (scod & 0x04) != 0;
    f.logBlockW = blockW + 2u;
    f.logBlockH = blockH + 2u;
    for (uint32_t r = 0; r <= f.decompositions; ++r) f.precincts[r] = precincts != nullptr ? precincts[r] : 0xFF;
    for (uint32_t r = 1; precincts != nullptr && r <= f.decompositions; ++r) {
        if ((precincts[r] & 0x0F) == 0 || (precincts[r] >> 4) == 0) return corrupt("COD precinct size 1 above resolution 0");
    }
    qcc.push_back(qcd);
    for (const Quantisation &q : qcc) {
        if (q.levels != f.decompositions) return corrupt("quantisation step sizes do not match COD's decomposition levels");
        if ((q.style == 0) != f.reversible) return corrupt("quantisation style does not match the wavelet filter");
    }
    return true;
}

/// The tile-part chain from `pos` (on the first SOT) to EOC or the end of the bytes.
bool Walk::tileParts(size_t pos) {
    // Per tile (tiles <= 65535): tile-parts seen, and TNsot when a tile-part gave it.
    std::vector<uint8_t> parts(size_t(f.tiles), 0), expected(size_t(f.tiles), 0);
    while (pos + 2 <= size) {
        uint16_t marker = be16(data + pos);
        if (marker == EOC) break; // bytes after EOC: DICOM's even-length padding
        if (marker != SOT) return corrupt("expected SOT or EOC after a tile-part");
        if (pos + 12 > size || be16(data + pos + 2) != 10) return corrupt("SOT marker segment truncated or malformed");
        uint32_t tile = be16(data + pos + 4), length = be32(data + pos + 6);
        uint8_t part = data[pos + 10], partCount = data[pos + 11];
        if (tile >= f.tiles) return corrupt("SOT tile index beyond the tiles SIZ declares");
        if (length == 0) return cannot("tile-part length 0 (runs to EOC; OpenJPH 0.9 needs Psot)");
        if (length < 14 || pos + length > size) return corrupt("tile-part runs past the end of the codestream (truncated?)");
        if (parts[tile] != part || part == 255 || (partCount != 0 && part >= partCount) ||
            (partCount != 0 && expected[tile] != 0 && partCount != expected[tile])) {
            return corrupt("tile-parts out of order or beyond TNsot");
        }
        parts[tile] = uint8_t(part + 1);
        if (partCount != 0) expected[tile] = partCount;
        size_t at = pos + 12, end = pos + length;
        while (true) {
            if (at + 2 > end) return corrupt("tile-part header has no SOD");
            uint16_t m = be16(data + at);
            if (m == SOD) break;
            if (at + 4 > end) return corrupt("tile-part header truncated");
            uint16_t l = be16(data + at + 2);
            if (l < 2 || at + 2 + l > end) return corrupt("tile-part marker segment runs past its tile-part");
            if (m == COD || m == COC || m == QCD || m == QCC || m == RGN || m == POC || m == PPT) {
                return cannot("tile-part header has a " + hex(m) + " marker segment (OpenJPH 0.9 ignores it)");
            }
            if (m != PLT && m != COM) return corrupt("unexpected marker " + hex(m) + " in a tile-part header");
            at += 2 + size_t(l);
        }
        if (!packetData(at + 2, end)) return false;
        f.tileParts.push_back({tile, at + 2, end});
        pos = end;
    }
    // No EOC is accepted when every tile-part is complete (OpenJPEG accepts it too); a lone byte
    // left over is even-length padding.
    if (pos + 2 > size && pos < size && data[pos] != 0) return corrupt("codestream ends inside a marker");
    for (size_t t = 0; t < parts.size(); ++t) {
        if (parts[t] == 0 || (expected[t] != 0 && parts[t] != expected[t])) return corrupt("a tile lacks tile-parts (truncated?)");
    }
    return true;
}

/// Packet headers and code-block data are bit-stuffed so that no two bytes in them read as a marker
/// code FF90…FFFF (T.800 A.1.1, B.10.1; T.814 keeps the rule for HT segments); only SOP and EPH
/// may sit there, when COD allows them. A codestream breaking the rule is corrupt, and OpenJPH
/// 0.9.0's HT block decoder asserts on some such code-blocks.
bool Walk::packetData(size_t from, size_t end) {
    const uint8_t *p = data + from, *stop = data + end;
    while (p + 1 < stop) {
        const void *ff = std::memchr(p, 0xFF, size_t(stop - 1 - p));
        if (ff == nullptr) break;
        p = static_cast<const uint8_t *>(ff);
        uint8_t next = p[1];
        if (next >= 0x90 && !((next == 0x91 && sop) || (next == 0x92 && eph))) {
            return corrupt("marker code " + hex(uint16_t(0xFF00 | next)) + " inside packet data");
        }
        ++p;
    }
    return true;
}

} // namespace

CDCMTKShim_Status checkForOpenJPH(const uint8_t *data, size_t size, HTJ2KFacts &facts, std::string &why) {
    static const uint8_t jp2Signature[12] = {0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A};
    if (data != nullptr && size >= 12 && std::equal(jp2Signature, jp2Signature + 12, data)) {
        why = "JP2 file, not a raw codestream (OpenJPH 0.9 reads codestreams only)";
        return CDCMTKShim_ErrUnsupportedSyntax;
    }
    if (data == nullptr || size < 4 || be16(data) != SOC || be16(data + 2) != SIZ) {
        why = "frame does not start with SOC/SIZ markers (FF4F FF51)";
        return CDCMTKShim_ErrCorruptStream;
    }
    Walk walk{data, size, facts, why};
    size_t pos = 2;
    if (walk.siz(pos) && walk.mainHeader(pos) && walk.tileParts(pos)) return CDCMTKShim_OK;
    return walk.unsupported ? CDCMTKShim_ErrUnsupportedSyntax : CDCMTKShim_ErrCorruptStream;
}

int32_t htj2kReversible(const uint8_t *data, size_t size) {
    if (data == nullptr || size < 4 || be16(data) != SOC || be16(data + 2) != SIZ) return -1;
    HTJ2KFacts facts;
    std::string why;
    Walk walk{data, size, facts, why};
    size_t pos = 2;
    if (!walk.siz(pos) || !walk.mainHeader(pos)) return -1;
    return facts.reversible ? 1 : 0;
}

} // namespace cdcmtkshim
