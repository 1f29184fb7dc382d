import CMammoPrepABI
import MammoPrepCLI
import Testing

@Suite struct VersionTests {
    @Test func versions() {
        #expect(mammo_prep_abi_version() == MAMMO_PREP_ABI_VERSION)
        #expect(String(cString: mammo_prep_version()) == MammoPrepVersion.string)
    }
}
