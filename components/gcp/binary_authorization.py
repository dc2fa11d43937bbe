"""GKE Binary Authorization in enforcement: the project's singleton policy, and the attestor CI signs for.

Every image needs an attestation by the attestor unless it is allow-listed (`foundation.supply_chain`) or a
Google-maintained system image (global policy evaluation). The attestor's public key is the first version of
an asymmetric Cloud KMS key; CI holds only `roles/cloudkms.signerVerifier` on that key and may attach
occurrences to the attestor's note (`gcloud beta container binauthz attestations sign-and-create`).
Clusters opt in with `PROJECT_SINGLETON_POLICY_ENFORCE`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child_opts, stateful_opts
from foundation.supply_chain import (
    ATTESTOR,
    ATTESTOR_ALGORITHM,
    SIGNING_KEY,
    SIGNING_KEY_ALGORITHM,
    SIGNING_KEY_LOCATION,
    SIGNING_KEY_RING,
    attestor_key_id,
    attestor_name,
)

SIGNER_ROLE = "roles/cloudkms.signerVerifier"
NOTE_ATTACHER_ROLE = "roles/containeranalysis.notes.attacher"


@dataclass(frozen=True)
class BinaryAuthorizationArgs:
    """The project, the allow-list, who signs (CI's image-push account), the key's labels and protection."""

    project: str
    allow_list: tuple[str, ...]
    signer: str
    labels: dict[str, str]
    protect: bool


class BinaryAuthorization(pulumi.ComponentResource):
    """Signing key, note, attestor and the enforced project policy."""

    def __init__(
        self,
        name: str,
        args: BinaryAuthorizationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("wedsync:gcp:BinaryAuthorization", name, None, opts)
        ring = gcp.kms.KeyRing(
            f"{name}-keyring",
            name=SIGNING_KEY_RING,
            location=SIGNING_KEY_LOCATION,
            project=args.project,
            opts=stateful_opts(self, args.protect),
        )
        key = gcp.kms.CryptoKey(  # asymmetric keys cannot rotate automatically: no rotation_period
            f"{name}-signing-key",
            name=SIGNING_KEY,
            key_ring=ring.id,
            purpose="ASYMMETRIC_SIGN",
            labels=args.labels,
            version_template=gcp.kms.CryptoKeyVersionTemplateArgs(
                algorithm=SIGNING_KEY_ALGORITHM, protection_level="HSM"
            ),
            opts=stateful_opts(self, args.protect),
        )
        signer = f"serviceAccount:{args.signer}"
        gcp.kms.CryptoKeyIAMMember(
            f"{name}-ci-signs", crypto_key_id=key.id, role=SIGNER_ROLE, member=signer, opts=child_opts(self)
        )
        note = gcp.containeranalysis.Note(
            f"{name}-note",
            name=ATTESTOR,
            project=args.project,
            attestation_authority=gcp.containeranalysis.NoteAttestationAuthorityArgs(
                hint=gcp.containeranalysis.NoteAttestationAuthorityHintArgs(human_readable_name=ATTESTOR)
            ),
            opts=child_opts(self),
        )
        gcp.containeranalysis.NoteIamMember(
            f"{name}-ci-attaches",
            project=args.project,
            note=note.name,
            role=NOTE_ATTACHER_ROLE,
            member=signer,
            opts=child_opts(self),
        )
        version = gcp.kms.get_kms_crypto_key_version_output(crypto_key=key.id, version=1)
        attestor = gcp.binaryauthorization.Attestor(
            f"{name}-attestor",
            name=ATTESTOR,
            project=args.project,
            attestation_authority_note=gcp.binaryauthorization.AttestorAttestationAuthorityNoteArgs(
                note_reference=note.name,
                public_keys=[
                    gcp.binaryauthorization.AttestorAttestationAuthorityNotePublicKeyArgs(
                        id=attestor_key_id(args.project),
                        pkix_public_key=gcp.binaryauthorization.AttestorAttestationAuthorityNotePublicKeyPkixPublicKeyArgs(
                            public_key_pem=version.public_keys.apply(lambda keys: keys[0].pem if keys else ""),
                            signature_algorithm=ATTESTOR_ALGORITHM,
                        ),
                    )
                ],
            ),
            opts=child_opts(self),
        )
        gcp.binaryauthorization.Policy(
            f"{name}-policy",
            project=args.project,
            global_policy_evaluation_mode="ENABLE",  # Google-maintained GKE system images are admitted
            admission_whitelist_patterns=[
                gcp.binaryauthorization.PolicyAdmissionWhitelistPatternArgs(name_pattern=pattern)
                for pattern in args.allow_list
            ],
            default_admission_rule=gcp.binaryauthorization.PolicyDefaultAdmissionRuleArgs(
                evaluation_mode="REQUIRE_ATTESTATION",
                enforcement_mode="ENFORCED_BLOCK_AND_AUDIT_LOG",
                require_attestations_bies=[attestor_name(args.project)],
            ),
            opts=child_opts(self, depends_on=[attestor]),
        )
        self.register_outputs({})
