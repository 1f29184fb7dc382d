// CDCMTKShim, HTJ2K: the marker-segment walk (htj2k_check.cpp) and the packet-header replay
// (htj2k_packets.cpp) that decide whether OpenJPH may see a codestream. Not part of the C
// interface (include/CDCMTKShim.h).
#ifndef CDCMTKSHIM_HTJ2K_CHECK_H
#define CDCMTKSHIM_HTJ2K_CHECK_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "CDCMTKShim.h"

namespace cdcmtkshim {

/// What the main header declares (ITU-T T.800 A.5.1 SIZ, A.6.1 COD), for the geometry and the
/// reduced-resolution checks.
struct HTJ2KFacts {
    uint32_t x0 = 0, y0 = 0;            ///< XOsiz, YOsiz
    uint32_t width = 0, height = 0;     ///< Xsiz - XOsiz, Ysiz - YOsiz
    uint32_t tileX0 = 0, tileY0 = 0;    ///< XTOsiz, YTOsiz
    uint64_t tiles = 0;
    uint32_t components = 0;
    uint32_t precision = 0;             ///< component 0, bits
    bool isSigned = false;              ///< component 0
    uint32_t subsamplingX = 1, subsamplingY = 1;  ///< component 0
    uint32_t decompositions = 0;
    bool reversible = false;            ///< 5/3 filter

    // What replayPacketHeaders (htj2k_packets.cpp) needs besides.
    uint32_t xsiz = 0, ysiz = 0;        ///< Xsiz, Ysiz
    uint32_t tileW = 0, tileH = 0;      ///< XTsiz, YTsiz
    uint32_t logBlockW = 0, logBlockH = 0;  ///< code-block size exponents (xcb, ycb)
    uint8_t precincts[33] = {};         ///< per resolution PPx | PPy << 4 (0xFF: COD gives none)
    uint8_t progression = 0;
    bool sop = false, eph = false;
    struct TilePart {
        uint32_t tile;
        size_t data, end;               ///< packet data: after SOD up to the tile-part's end
    };
    std::vector<TilePart> tileParts;    ///< in codestream order
};

/// Walks the codestream's main header and tile-part chain and returns CDCMTKShim_OK when OpenJPH 0.9.0
/// decodes it faithfully and safely: an HTJ2K codestream (SOC, SIZ with Rsiz bit 14) whose marker
/// segments all fit in `size`, whose parameters lie in the ranges T.800 allows (OpenJPH reads them
/// into fixed-size arrays without bounds checks, and its release build keeps its assertions), and
/// which uses nothing OpenJPH 0.9.0 skips without telling (COC, RGN, POC, PPM, PPT, tile-part
/// COD/QCD/QCC, several quality layers) or refuses later (scalar derived quantisation, Psot 0).
/// Otherwise sets `why` to a one-line reason (no attribute values: the caller names the file) and
/// returns ErrUnsupportedSyntax for a well-formed codestream OpenJPH cannot decode (JP2 wrapper,
/// JPEG 2000 Part 1, the features above), ErrCorruptStream for a malformed one.
CDCMTKShim_Status checkForOpenJPH(const uint8_t *data, size_t size, HTJ2KFacts &facts, std::string &why);

/// Replays OpenJPH 0.9.0's reading of the packet headers (its tier-2 parse, with `skippedLevels`
/// as restrict_input_resolution's first argument) over a codestream checkForOpenJPH accepted, for
/// one component. False, with `why`, where OpenJPH would write past a code-block buffer (a
/// code-block longer than the bytes left in its tile-part: 0.9.0 sizes the buffer by the bytes
/// left but zero-fills the declared length) or trip an assertion (a length field over 32 bits),
/// and where OpenJPH would itself stop with an error.
bool replayPacketHeaders(const uint8_t *data, size_t size, const HTJ2KFacts &facts, uint32_t skippedLevels,
                         std::string &why);

/// 1 when the main header passes checkForOpenJPH's main-header checks and names the 5/3 filter,
/// 0 for the 9/7 filter, -1 otherwise (CDCMTKShim_htj2kReversible).
int32_t htj2kReversible(const uint8_t *data, size_t size);

} // namespace cdcmtkshim

#endif // CDCMTKSHIM_HTJ2K_CHECK_H
