/* domain-validate.h: the firmware-related checks libvirt 9.0 makes when a domain
 * is defined, so that fwneg refuses what libvirt refuses, with libvirt's words.
 */
#pragma once

#include <glib.h>
#include "domain.h"

G_BEGIN_DECLS

/* Apply libvirt 9.0's define-time rules for <os firmware>, <os><firmware>
 * features, <loader>, <nvram>, ACPI and SMM, in libvirt's order
 * (virDomainDefPostParseOs, qemuValidateDomainDef / qemuValidateDomainDefBoot,
 * virDomainDefOSValidate).  @canonical_machine is the machine type after
 * canonicalization (libvirt validates after qemuCanonicalizeMachine).
 * Returns TRUE, or FALSE with FWNEG_ERROR_INVALID_INPUT whose message names the
 * file, the element and attribute, quotes libvirt's message and says what to do. */
gboolean fwneg_domain_validate_libvirt(const FwnegDomain *domain, const char *canonical_machine,
                                       GError **error);

G_END_DECLS
