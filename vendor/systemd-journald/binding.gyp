{
	"targets": [ {
		"target_name":  "journal_send",
		"sources":      [ "src/journal_send.cc" ],
		# ddns: nan's directory as an absolute path. Upstream has nan print it relative
		# to the build directory (<!(node -e "require('nan')")), and that path ends up in
		# the .node file (__FILE__ of nan.h's asserts): builds in directories of another
		# depth then differ (debian/README.source, "Reproducible").
		"include_dirs": [ "<!(node -p \"require('path').dirname(require.resolve('nan'))\")" ],
		"libraries":    [ "<!@(pkg-config --libs-only-l --silence-errors libsystemd || pkg-config --libs-only-l libsystemd-journal)" ]
	} ]
}
