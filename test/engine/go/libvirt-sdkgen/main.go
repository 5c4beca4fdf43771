// Command libvirt-sdkgen writes the Node.js SDK of a Pulumi package from its schema, with the
// code generator that `pulumi package gen-sdk <schema.json> --language nodejs --version V`
// runs (github.com/pulumi/pulumi/pkg/v3/codegen/nodejs at the CLI's version).
//
// Why not the CLI itself: gen-sdk hands generation to the pulumi-language-nodejs plugin
// (its GeneratePackage RPC), and the Go module proxy this project builds from does not serve
// that module (see test/engine/build.sh). The plugin's GeneratePackage only binds the schema
// it is sent and calls nodejs.GeneratePackage("pulumi-language-nodejs", pkg, extraFiles,
// localDependencies, local, loader); this command does the same steps in one process:
// read the JSON, bind it as the CLI does (dangling references allowed), apply --version,
// marshal, bind again as the plugin does, generate, write the files.
//
// Usage: libvirt-sdkgen -schema libvirt.schema.json -version 0.5.4 [-local] -out DIR
// DIR is emptied first, as gen-sdk empties <out>/nodejs. -local is gen-sdk's --local, the
// form `pulumi package add` writes into sdks/<name> for a project to reference as file:.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noLoader refuses every external package: the libvirt schema references none, so any
// request is a schema this command was not meant for.
type noLoader struct{}

var errNoLoad = errors.New("this schema references another package; libvirt-sdkgen loads none")

func (noLoader) LoadPackage(string, *semver.Version) (*schema.Package, error) { return nil, errNoLoad }
func (noLoader) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoLoad
}
func (noLoader) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoLoad
}
func (noLoader) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoLoad
}

func bind(spec schema.PackageSpec, opts schema.ValidationOptions) (*schema.Package, error) {
	pkg, diags, err := schema.BindSpec(spec, noLoader{}, opts)
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return pkg, nil
}

func run(schemaPath, version, out string, local bool) error {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	// The CLI side of gen-sdk (cmd/pulumi/packages.BindSpec, then --version).
	pkg, err := bind(spec, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return err
	}
	if version != "" {
		v, err := semver.Parse(version)
		if err != nil {
			return fmt.Errorf("invalid version %q: %w", version, err)
		}
		pkg.Version = &v
	}
	wire, err := pkg.MarshalJSON()
	if err != nil {
		return err
	}
	// The language plugin side: the schema arrives as JSON and is bound again.
	var sent schema.PackageSpec
	if err := json.Unmarshal(wire, &sent); err != nil {
		return err
	}
	pkg, err = bind(sent, schema.ValidationOptions{})
	if err != nil {
		return err
	}
	files, err := nodejs.GeneratePackage("pulumi-language-nodejs", pkg, nil, nil, local, noLoader{})
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(out, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	schemaPath := flag.String("schema", "", "the package schema (JSON), e.g. from `pulumi package get-schema`")
	version := flag.String("version", "", "the package version to write (gen-sdk --version)")
	out := flag.String("out", "", "the directory to write the SDK to (emptied first)")
	local := flag.Bool("local", false, "generate an SDK for local use, as gen-sdk --local (package add) does")
	flag.Parse()
	if *schemaPath == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*schemaPath, *version, *out, *local); err != nil {
		fmt.Fprintln(os.Stderr, "libvirt-sdkgen:", err)
		os.Exit(1)
	}
}
