/** Namespace URIs the mesh reads and writes, named once. */
export const NS = Object.freeze({
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  xop: 'http://www.w3.org/2004/08/xop/include',
  xmime: 'http://www.w3.org/2005/05/xmlmime',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  /** ebRIM 3.0 */
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  /** ebRS 3.0 registry services */
  rs: 'urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0',
  /** ebRS 3.0 lifecycle manager */
  lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  /** ebRS 3.0 query manager */
  query: 'urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0',
  /** IHE XDS.b (ProvideAndRegisterDocumentSetRequest, RetrieveDocumentSet...) */
  xdsb: 'urn:ihe:iti:xds-b:2007',
  /** IHE RMD (ITI-86) */
  rmd: 'urn:ihe:iti:rmd:2017',
  /** IHE SVS */
  svs: 'urn:ihe:iti:svs:2008',
  hl7v3: 'urn:hl7-org:v3',
  dsml: 'urn:oasis:names:tc:DSML:2:0:core',
  saml2: 'urn:oasis:names:tc:SAML:2.0:assertion',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
});

export type NamespaceKey = keyof typeof NS;
