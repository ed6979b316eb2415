{
  description = "glomers: run, watch and compare Gossip Glomers challenges";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
    flake-utils.url = "github:numtide/flake-utils";
  };

  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let
        pkgs = nixpkgs.legacyPackages.${system};
        glomers = pkgs.rustPlatform.buildRustPackage {
          pname = "glomers";
          version = "0.1.0";
          src = ./.;
          cargoLock.lockFile = ./Cargo.lock;
          # The test suite spawns node binaries and python3 test nodes; run it with `cargo test`, not in the sandbox.
          doCheck = false;
        };
      in {
        packages.default = glomers;
        packages.glomers = glomers;

        devShells.default = pkgs.mkShell {
          # Rust for glomers itself; a JDK, gnuplot and graphviz are what real Maelstrom needs when you install it.
          packages = with pkgs; [
            cargo rustc rustfmt clippy cargo-nextest
            python3
            jdk17 gnuplot graphviz
            go-task
          ];
        };
      });
}
