import MammoPrepCLI

@main
struct Entrypoint {
    static func main() {
        MammoPrepCommand.mainWithDesignExitCodes()
    }
}
