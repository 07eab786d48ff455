/**
 * The address policy of outbound fetches: a table of addresses and URL host forms, each public
 * or refused, and the operator's allow-list of hosts and CIDRs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AllowList,
  embeddedV4,
  isPublicAddress,
  mayConnect,
} from '../../src/net/address-policy.js';

const REFUSED = [
  '127.0.0.1',
  '127.255.255.254',
  '0.0.0.0',
  '10.1.2.3',
  '172.16.0.1',
  '172.31.255.255',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '100.127.255.255',
  '224.0.0.1',
  '239.255.255.250',
  '255.255.255.255',
  '192.0.2.1',
  '198.18.0.1',
  '::',
  '::1',
  '[::1]',
  'fe80::1',
  'fe80::1%eth0',
  'fc00::1',
  'fd12:3456::1',
  'ff02::1',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.0.0.1',
  '::ffff:169.254.169.254',
  '::127.0.0.1',
  '64:ff9b::7f00:1',
  '2002:7f00:1::',
  '2001:0:4136:e378:8000:63bf:80ff:fffe', // Teredo carrying 127.0.0.1
  'localhost',
  'not an address',
];
const PUBLIC = [
  '1.1.1.1',
  '8.8.8.8',
  '93.184.215.14',
  '172.32.0.1',
  '100.128.0.1',
  '2606:4700:4700::1111',
  '::ffff:8.8.8.8',
  '2002:808:808::',
];

describe('address policy', () => {
  for (const ip of REFUSED) it(`refuses ${ip}`, () => assert.equal(isPublicAddress(ip), false));
  for (const ip of PUBLIC)
    it(`lets the public address ${ip} through`, () => assert.equal(isPublicAddress(ip), true));

  it('reads the IPv4 address inside mapped, NAT64, 6to4 and Teredo IPv6 addresses', () => {
    assert.equal(embeddedV4('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(embeddedV4('64:ff9b::a00:1'), '10.0.0.1');
    assert.equal(embeddedV4('2002:c0a8:101::'), '192.168.1.1');
    assert.equal(embeddedV4('2001:0:4136:e378:8000:63bf:80ff:fffe'), '127.0.0.1');
    assert.equal(embeddedV4('2606:4700::1111'), null);
  });

  for (const [form, host] of [
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[::1]/', '[::1]'],
    ['http://0/', '0.0.0.0'],
  ] as const)
    it(`sees the URL ${form} as ${host}, refused`, () => {
      const h = new URL(form).hostname;
      assert.equal(h, host);
      assert.equal(isPublicAddress(h), false);
    });

  it('lets an allow-listed CIDR, address or host name through, and nothing else', () => {
    const allow = new AllowList(['127.0.0.0/8', '::1', 'intranet.example', '10.1.0.0/16']);
    assert.equal(mayConnect('x', '127.0.0.1', allow), true);
    assert.equal(mayConnect('x', '::ffff:127.0.0.1', allow), true);
    assert.equal(mayConnect('x', '::1', allow), true);
    assert.equal(mayConnect('x', '10.1.2.3', allow), true);
    assert.equal(mayConnect('x', '10.2.0.1', allow), false);
    assert.equal(mayConnect('INTRANET.example', '192.168.5.5', allow), true);
    assert.equal(mayConnect('other.example', '192.168.5.5', allow), false);
    assert.equal(mayConnect('x', '169.254.169.254', new AllowList()), false);
  });

  it('refuses a malformed CIDR in the allow-list at once', () => {
    assert.throws(() => new AllowList(['10.0.0.0/33']), TypeError);
    assert.throws(() => new AllowList(['example.com/8']), TypeError);
  });
});
