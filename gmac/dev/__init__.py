"""gmac's tooling, apart from the product: building the Pulumi toolchain (`gmac toolchain
install`), the local Kubernetes control plane (`gmac dev cluster`) and the servers the tests
run against, all from Go modules through one helper (gmac.dev.gobuild)."""
