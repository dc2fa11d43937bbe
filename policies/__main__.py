"""The CrossGuard entry: `pulumi preview --policy-pack policies --policy-pack-config <file>`.

Constructing PolicyPack starts the analyzer's server, so only this module does it.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from policies import ALL_POLICIES

PolicyPack(name="wedsync-platform", enforcement_level=EnforcementLevel.MANDATORY, policies=ALL_POLICIES)
