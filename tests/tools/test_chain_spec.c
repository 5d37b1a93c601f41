/* The chain tools' -p and --set parsing (tools/chain_spec.c), on Debian's
 * mda Detune and eg-amp: URI:preset splits after the longest installed
 * plugin URI, a bare URI has no preset, SYMBOL=VALUE parses and a bad one
 * is refused with a message naming it. */
#include <string.h>

#include "../../tools/chain_spec.h"
#include "../harness.h"

#define AMP    "http://lv2plug.in/plugins/eg-amp"
#define DETUNE "http://drobilla.net/plugins/mda/Detune"

int main(void)
{
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    CHECK(w != NULL, "world: %s", err.message);
    if (!w)
        return th_finish("test_chain_spec");
    char uri[256];
    const char *pr = chain_spec_plugin(w, DETUNE ":Stereo Detune", uri, sizeof uri);
    CHECK(pr && strcmp(pr, "Stereo Detune") == 0 && strcmp(uri, DETUNE) == 0,
          "URI:preset splits after the plugin URI (uri \"%s\", preset \"%s\")", uri,
          pr ? pr : "(none)");
    pr = chain_spec_plugin(w, AMP, uri, sizeof uri);
    CHECK(!pr && strcmp(uri, AMP) == 0, "a bare URI has no preset");
    pr = chain_spec_plugin(w, "urn:nope:x", uri, sizeof uri);
    CHECK(!pr && strcmp(uri, "urn:nope:x") == 0, "an unknown URI is kept whole (\"%s\")", uri);
    ssm_lv2_world_destroy(w);

    char name[64], why[256];
    ssm_lv2_setting s = {0};
    CHECK(chain_spec_setting("gain=-6.5", name, sizeof name, &s, why, sizeof why) == 0 &&
              s.symbol == name && strcmp(name, "gain") == 0 && s.value == -6.5f,
          "gain=-6.5 parses (\"%s\" = %g)", s.symbol ? s.symbol : "", s.value);
    CHECK(chain_spec_setting("gain", name, sizeof name, &s, why, sizeof why) != 0 &&
              strstr(why, "SYMBOL=VALUE") && strstr(why, "\"gain\""),
          "no '=' is refused (\"%s\")", why);
    CHECK(chain_spec_setting("gain=loud", name, sizeof name, &s, why, sizeof why) != 0 &&
              strstr(why, "\"loud\" is not a number"),
          "a value that is not a number is refused (\"%s\")", why);
    CHECK(chain_spec_setting("gain=1x", name, sizeof name, &s, why, sizeof why) != 0,
          "trailing junk after the number is refused (\"%s\")", why);
    return th_finish("test_chain_spec");
}
