/**
 * Known-bytes tests: each expected layout is written out by hand from the protocol spec (field order, widths,
 * compact lengths = n+1, tagged sections), not produced by our encoder.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeRequest,
  decodeResponse,
  encodeRequestFrame,
  encodeResponseFrame,
  peekFrameSize,
  readRequestHeader,
  writeResponseHeader,
} from '../../../src/protocol/frame.js';
import { API_KEYS, apiTable, requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/generated/index.js';
import { ErrorCode, KAFKA_ERRORS, kafkaError } from '../../../src/protocol/generated/error-codes.js';
import type { ProduceResponse } from '../../../src/protocol/generated/produce.js';
import { readMetadataRequest } from '../../../src/protocol/generated/metadata.js';
import { Reader } from '../../../src/protocol/reader.js';
import { ProtocolEncodeError, Writer } from '../../../src/protocol/writer.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s).toString('hex');

describe('request frames, known bytes', () => {
  it('ApiVersions v0 request: header v1, empty body', () => {
    const frame = encodeRequestFrame(API_KEYS.ApiVersions, 0, 1, 'abc', {});
    // size 13 | api_key 18 | version 0 | correlation 1 | client_id int16 3 "abc"
    expect(frame).toEqual(hex(`0000000d 0012 0000 00000001 0003 ${ascii('abc')}`));
  });

  it('ApiVersions v3 request: header v2 keeps a classic client id, body is compact', () => {
    const frame = encodeRequestFrame(API_KEYS.ApiVersions, 3, 7, 'abc', { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7' });
    const expected = hex(
      `0012 0003 00000007 0003 ${ascii('abc')} 00` + // header v2: ..., client_id (int16 length), no tagged fields
        `05 ${ascii('kcat')} 04 ${ascii('1.7')} 00`, // compact strings (len+1), empty tagged section
    );
    expect(frame.readInt32BE(0)).toBe(expected.length);
    expect(frame.subarray(4)).toEqual(expected);
    const decoded = decodeRequest(frame.subarray(4));
    expect(decoded.error).toBeUndefined();
    expect(decoded.header).toMatchObject({ apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'abc', headerVersion: 2, supported: true });
    expect(decoded.body).toEqual({ clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7' });
  });

  it('Metadata v0 request: int32 array of classic strings', () => {
    const frame = encodeRequestFrame(API_KEYS.Metadata, 0, 2, null, { topics: [{ name: 'hello' }], allowAutoTopicCreation: true });
    // client id null = int16 -1; topics: int32 count 1, string "hello"; AllowAutoTopicCreation is v4+ so absent.
    expect(frame.subarray(4)).toEqual(hex(`0003 0000 00000002 ffff 00000001 0005 ${ascii('hello')}`));
    const body = readMetadataRequest(new Reader(hex(`00000001 0005 ${ascii('hello')}`)), 0);
    expect(body.topics).toEqual([{ name: 'hello', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }]); // TopicId is v10+: default
    expect(body.allowAutoTopicCreation).toBe(true); // schema default outside its versions
  });

  it('Metadata v1 null topics = all topics (int32 -1); v0 writes null as an empty array', () => {
    const v1 = encodeRequestFrame(API_KEYS.Metadata, 1, 2, null, { topics: null });
    expect(v1.subarray(4 + 10)).toEqual(hex('ffffffff'));
    const v0 = encodeRequestFrame(API_KEYS.Metadata, 0, 2, null, { topics: null });
    expect(v0.subarray(4 + 10)).toEqual(hex('00000000'));
  });

  it('ControlledShutdown v0 uses request header v0 (no client id)', () => {
    expect(requestHeaderVersion(API_KEYS.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(API_KEYS.ControlledShutdown, 1)).toBe(1);
    expect(requestHeaderVersion(API_KEYS.ControlledShutdown, 3)).toBe(2);
    const frame = encodeRequestFrame(API_KEYS.ControlledShutdown, 0, 9, 'ignored', { brokerId: 5, brokerEpoch: -1n });
    expect(frame.subarray(4)).toEqual(hex('0007 0000 00000009 00000005'));
    const h = readRequestHeader(new Reader(frame, 4));
    expect(h).toMatchObject({ headerVersion: 0, clientId: null, correlationId: 9 });
  });
});

describe('response frames, known bytes', () => {
  it('ApiVersions v3 response uses header v0 and carries a tagged field', () => {
    expect(responseHeaderVersion(API_KEYS.ApiVersions, 3)).toBe(0);
    const frame = encodeResponseFrame(API_KEYS.ApiVersions, 3, 7, {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5n,
    });
    const expected = hex(
      '00000007' + // header v0: correlation id only
        '0000' + // error code
        '02 0000 0000 0009 00' + // compact array of 1: api key 0, 0-9, no tags
        '00000000' + // throttle
        '01 01 08 0000000000000005', // 1 tagged field: tag 1 (FinalizedFeaturesEpoch), 8 bytes
    );
    expect(frame.subarray(4)).toEqual(expected);
    const d = decodeResponse(frame.subarray(4), API_KEYS.ApiVersions, 3);
    expect(d.error).toBeUndefined();
    expect(d.correlationId).toBe(7);
    expect(d.body).toMatchObject({ finalizedFeaturesEpoch: 5n, supportedFeatures: [], zkMigrationReady: false });
  });

  it('Produce v10 response: header v1, CurrentLeader as a tagged struct', () => {
    const body: ProduceResponse = {
      responses: [
        {
          name: 't',
          partitionResponses: [
            {
              index: 0,
              errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
              baseOffset: -1n,
              logAppendTimeMs: -1n,
              logStartOffset: 0n,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 7 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
    };
    const frame = encodeResponseFrame(API_KEYS.Produce, 10, 3, body);
    const expected = hex(
      '00000003 00' + // header v1: correlation id, empty tagged section
        '02' + // responses: 1 topic
        `02 ${ascii('t')}` + // name
        '02' + // partition responses: 1
        '00000000 0006 ffffffffffffffff ffffffffffffffff 0000000000000000' + // index, error 6, base, append time, log start
        '01 00' + // record errors: empty compact array, error message: null
        '01 00 09 00000002 00000007 00' + // one tagged field: tag 0, 9 bytes: leader 2, epoch 7, the struct's own empty tagged section
        '00' + // topic's tagged section
        '00000000' + // throttle
        '00', // NodeEndpoints empty = default, so not written
    );
    expect(frame.subarray(4)).toEqual(expected);
    const d = decodeResponse(frame.subarray(4), API_KEYS.Produce, 10);
    expect(d.error).toBeUndefined();
    expect((d.body as ProduceResponse).responses[0].partitionResponses[0].currentLeader).toEqual({ leaderId: 2, leaderEpoch: 7 });
    // At the default, the tagged field is left out entirely.
    body.responses[0].partitionResponses[0].currentLeader = { leaderId: -1, leaderEpoch: -1 };
    const plain = encodeResponseFrame(API_KEYS.Produce, 10, 3, body);
    expect(plain.length).toBe(frame.length - 11); // tag, size and 9 bytes of data; the count byte stays (now 0)
  });

  it('writeResponseHeader picks v0/v1 by flexibility', () => {
    const w = new Writer();
    writeResponseHeader(w, API_KEYS.Metadata, 8, 1);
    writeResponseHeader(w, API_KEYS.Metadata, 9, 2);
    expect(w.finish()).toEqual(hex('00000001 00000002 00'));
  });
});

describe('headers of unknown or unsupported requests', () => {
  it('unknown API key: key, version and correlation id still come back', () => {
    const h = readRequestHeader(new Reader(hex('2710 0001 0000002a 0003 616263')));
    expect(h).toMatchObject({ apiKey: 10000, apiVersion: 1, correlationId: 42, supported: false, headerVersion: -1 });
  });

  it('ApiVersions at a version above our range is parsed with header v2 and flagged unsupported', () => {
    const frame = hex(`0012 0063 0000002a 0003 ${ascii('abc')} 00 ff`);
    const d = decodeRequest(frame);
    expect(d.header).toMatchObject({ apiKey: 18, apiVersion: 99, correlationId: 42, clientId: 'abc', headerVersion: 2, supported: false });
    expect(d.error).toMatch(/unsupported/);
  });

  it('truncated header and trailing bytes are reported, not thrown', () => {
    expect(decodeRequest(hex('0012 00')).error).toMatch(/request header: truncated/);
    const ok = encodeRequestFrame(API_KEYS.ApiVersions, 0, 1, null, {});
    expect(decodeRequest(Buffer.concat([ok.subarray(4), hex('00')])).error).toMatch(/1 unexpected bytes/);
  });

  it('encoders refuse unknown APIs and versions', () => {
    expect(() => encodeRequestFrame(9999, 0, 1, null, {})).toThrow(ProtocolEncodeError);
    expect(() => encodeResponseFrame(API_KEYS.Produce, 99, 1, {})).toThrow(/outside 0-11/);
  });

  it('peekFrameSize', () => {
    expect(peekFrameSize(hex('000000'))).toBe(-1);
    expect(peekFrameSize(hex('00000010'))).toBe(16);
    expect(peekFrameSize(hex('ff 80000000'), 1)).toBe(-2);
  });
});

describe('API table and error codes', () => {
  it('header-version rules hold for every API', () => {
    for (const api of apiTable) {
      if (!api) continue;
      for (let v = api.minVersion; v <= api.maxVersion; v++) {
        const flexible = api.firstFlexibleVersion >= 0 && v >= api.firstFlexibleVersion;
        const expectedReq = api.name === 'ControlledShutdown' && v === 0 ? 0 : flexible ? 2 : 1;
        expect(requestHeaderVersion(api.apiKey, v)).toBe(expectedReq);
        expect(responseHeaderVersion(api.apiKey, v)).toBe(api.name === 'ApiVersions' ? 0 : flexible ? 1 : 0);
      }
    }
    expect(apiTable[0]).toMatchObject({ name: 'Produce', minVersion: 0, maxVersion: 11, firstFlexibleVersion: 9 });
    expect(apiTable[47]).toMatchObject({ name: 'OffsetDelete', firstFlexibleVersion: -1 });
  });

  it('error codes carry Kafka numbers, names and retriability', () => {
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.NOT_COORDINATOR).toBe(16);
    expect(kafkaError(3)).toMatchObject({ name: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    expect(kafkaError(36)).toMatchObject({ name: 'TOPIC_ALREADY_EXISTS', retriable: false });
    expect(kafkaError(9999)).toBeUndefined();
    const codes = KAFKA_ERRORS.map((e) => e.code);
    expect(codes).toEqual([...Array(129).keys()].map((i) => i - 1)); // -1 … 127, no gaps
  });
});
