import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import * as spi from './spi.js';
import * as testing from './testing.js';

describe('entry points', () => {
  it('export the API, the SPI and the testing kit', () => {
    for (const name of [
      'Channel',
      'TransportRouter',
      'MemoryBroker',
      'createMemoryTransport',
      'openFolderTransport',
      'openHttpTransport',
      'dedupe',
      'MemoryDedupStore',
      'openFileDedupStore',
      'register',
      'retry',
      'CommsError',
      'isTransientError',
      'TRANSPORT',
      'CHANNEL',
    ]) {
      expect(api, name).toHaveProperty(name);
    }
    for (const name of [
      'AbstractTransport',
      'encodeEnvelope',
      'decodeEnvelope',
      'checkMessage',
      'parseAddress',
      'CommsError',
    ]) {
      expect(spi, name).toHaveProperty(name);
    }
    expect(typeof testing.describeTransportConformance).toBe('function');
    expect(typeof testing.createRecorder).toBe('function');
  });

  it('keep the error model: SemperError subclasses with a stable code and the class name', () => {
    const err = new api.MessageTooLargeError(2, 1);
    expect(err).toBeInstanceOf(api.CommsError);
    expect(err.name).toBe('MessageTooLargeError');
    expect(err.code).toBe('ERR_COMMS_TOO_LARGE');
    const cause = new Error('socket');
    expect(new api.CommsError('ERR_COMMS_UNAVAILABLE', 'x', { cause }).cause).toBe(cause);
    expect(api.isTransientError(new api.CommsTimeoutError('late', 5))).toBe(true);
    expect(api.isTransientError(new api.MessageRejectedError('no', { status: 422 }))).toBe(false);
    expect(api.isTransientError(new Error('plain'))).toBe(false);
    expect(new api.TransportClosedError('send').code).toBe('ERR_COMMS_CLOSED');
  });
});
