/**
 * org.apache.log4j.RollingFileAppender, with log4j 1.2's exact naming and timing: after an event is written,
 * if the file has reached `MaxFileSize` bytes (default 10MB), it rolls: `File.<MaxBackupIndex>` is deleted,
 * `File.i` becomes `File.i+1` from the highest down, `File` becomes `File.1`, and a fresh `File` is opened.
 * With `MaxBackupIndex=0` (default is 1) the file is simply truncated. When a rename fails, the next attempt
 * waits until another MaxFileSize bytes have been written (log4j's `nextRollover`).
 * Sizes are bytes of UTF-8 (log4j counts chars; the same for ASCII).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { FileAppender, type FileAppenderOptions } from './file.js';

export interface RollingFileAppenderOptions extends FileAppenderOptions {
  maxFileSize: number;
  maxBackupIndex: number;
}

export class RollingFileAppender extends FileAppender {
  private readonly maxFileSize: number;
  private readonly maxBackupIndex: number;
  private nextRollover = 0;

  constructor(options: RollingFileAppenderOptions) {
    super(options);
    this.maxFileSize = options.maxFileSize;
    this.maxBackupIndex = options.maxBackupIndex;
  }

  protected override afterWrite(): void {
    if (this.fd !== null && this.size >= this.maxFileSize && this.size >= this.nextRollover) this.rollOver();
  }

  private rollOver(): void {
    this.flush();
    this.nextRollover = this.size + this.maxFileSize;
    let ok = true;
    if (this.maxBackupIndex > 0) {
      try {
        rmSync(`${this.file}.${this.maxBackupIndex}`, { force: true });
        for (let i = this.maxBackupIndex - 1; i >= 1; i--) {
          const from = `${this.file}.${i}`;
          if (existsSync(from)) renameSync(from, `${this.file}.${i + 1}`);
        }
      } catch (err) {
        ok = false;
        this.report(`appender ${this.name}: cannot shift backups of ${this.file}: ${(err as Error).message}`);
      }
      if (ok) {
        this.closeFile();
        try {
          renameSync(this.file, `${this.file}.1`);
        } catch (err) {
          ok = false;
          this.report(`appender ${this.name}: cannot rename ${this.file} to ${this.file}.1: ${(err as Error).message}`);
          const problem = this.openFile(true);
          if (problem !== undefined) this.report(`appender ${this.name}: ${problem}`);
        }
      }
    }
    if (ok) {
      this.closeFile();
      const problem = this.openFile(false);
      if (problem !== undefined) this.report(`appender ${this.name}: ${problem}`);
      this.nextRollover = 0;
    }
  }
}
